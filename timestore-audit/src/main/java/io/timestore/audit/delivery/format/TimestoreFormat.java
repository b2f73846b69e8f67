package io.timestore.audit.delivery.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import java.io.IOException;

/**
 * The event exactly as {@link AuditJson} writes it (the documented contract, seal members included),
 * so that a consumer can parse it back with {@code AuditJson.read} and re-verify the hash chain.
 */
final class TimestoreFormat extends JsonRecordFormat {
    private final AuditJson json = new AuditJson();

    @Override
    public String label() {
        return "timestore";
    }

    @Override
    public String contentType() {
        return "application/json";
    }

    @Override
    public String arrayContentType() {
        return "application/json";
    }

    @Override
    ObjectNode tree(AuditEvent event) {
        return json.toJson(event);
    }

    /** Streamed member by member: the same bytes as the tree, without building it (the delivery path). */
    @Override
    void write(AuditEvent event, JsonGenerator out) throws IOException {
        AuditJson.writeTo(event, out);
    }
}
