package io.timestore.audit.delivery.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent;

/** A format whose record is one JSON object built as a tree (so an envelope can embed it). */
abstract sealed class JsonRecordFormat implements EventEncoder permits TimestoreFormat, OcsfFormat, CloudEventsEnvelope {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The record of a sealed event as a JSON tree. */
    abstract ObjectNode tree(AuditEvent event);

    @Override
    public final byte[] encode(AuditEvent event) {
        if (!event.isSealed()) {
            throw new IllegalArgumentException("only sealed events are delivered (event %s has no seq)".formatted(event.eventId()));
        }
        try {
            return MAPPER.writeValueAsBytes(tree(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
