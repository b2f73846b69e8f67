package io.timestore.audit.delivery.format;

import com.fasterxml.jackson.core.JsonGenerator;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import java.io.IOException;

/**
 * The event exactly as {@link AuditJson} writes it (the documented contract, seal members included),
 * so that a consumer can parse it back with {@code AuditJson.read} and re-verify the hash chain.
 */
final class TimestoreFormat extends JsonRecordFormat {
    @Override
    public String label() {
        return "timestore";
    }

    /** Streamed member by member: the same bytes as {@code AuditJson.toJson}, without building the tree. */
    @Override
    void write(AuditEvent event, JsonGenerator out) throws IOException {
        AuditJson.writeTo(event, out);
    }
}
