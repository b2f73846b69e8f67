package io.timestore.audit.delivery.format;

import com.fasterxml.jackson.core.JsonGenerator;
import io.timestore.audit.AuditJson;
import io.timestore.audit.delivery.SealedEvent;
import java.io.IOException;

/**
 * The event exactly as {@link AuditJson} writes it (the documented contract, seal members included),
 * so that a consumer can parse it back with {@code AuditJson.read} and re-verify the hash chain. An
 * event stored in its writer's form is sent as those bytes with the seal appended, which are the
 * same bytes ({@link SealedEvent#timestoreRecord}).
 */
final class TimestoreFormat extends JsonRecordFormat {
    @Override
    public String label() {
        return "timestore";
    }

    @Override
    public boolean readsMembers() {
        return false;
    }

    /** The stored text with the seal appended, when the event was read in its writer's form. */
    @Override
    byte[] ready(SealedEvent event) {
        return event.timestoreRecord();
    }

    /** Streamed member by member: the same bytes as {@code AuditJson.toJson}, without building the tree. */
    @Override
    void write(SealedEvent event, JsonGenerator out) throws IOException {
        AuditJson.writeTo(event.event(), out);
    }
}
