package io.timestore.audit.delivery.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A format whose record is one JSON object. A format may build it as a tree ({@link #tree}, so an
 * envelope can embed it) and may also stream it ({@link #write}) to skip the tree on the delivery
 * path; both give the same bytes.
 */
abstract sealed class JsonRecordFormat implements EventEncoder permits TimestoreFormat, OcsfFormat, CloudEventsEnvelope {
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** The record of a sealed event as a JSON tree. */
    abstract ObjectNode tree(AuditEvent event);

    /** Writes the record to {@code out}; by default its {@link #tree}. */
    void write(AuditEvent event, JsonGenerator out) throws IOException {
        out.writeTree(tree(event));
    }

    @Override
    public final byte[] encode(AuditEvent event) {
        if (!event.isSealed()) {
            throw new IllegalArgumentException("only sealed events are delivered (event %s has no seq)".formatted(event.eventId()));
        }
        var bytes = new ByteArrayBuilder(1_024);
        try (var out = MAPPER.createGenerator(bytes)) {
            write(event, out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory does not fail", e);
        }
        return bytes.toByteArray();
    }
}
