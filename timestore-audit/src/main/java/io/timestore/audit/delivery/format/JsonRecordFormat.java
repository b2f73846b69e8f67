package io.timestore.audit.delivery.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.AuditEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A format whose record is one JSON object, written to a generator ({@link #write}) so that an
 * envelope can stream it into one of its members and the delivery path builds no tree. A record
 * and an array of records are {@code application/json} unless the format says otherwise (the
 * CloudEvents envelope does).
 */
abstract sealed class JsonRecordFormat implements EventEncoder permits TimestoreFormat, OcsfFormat, CloudEventsEnvelope {
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** Writes the record of a sealed event to {@code out} as one JSON object. */
    abstract void write(AuditEvent event, JsonGenerator out) throws IOException;

    /** {@code application/json}: one JSON object. */
    @Override
    public String contentType() {
        return "application/json";
    }

    /** {@code application/json}: a JSON array of records. */
    @Override
    public String arrayContentType() {
        return "application/json";
    }

    @Override
    public final byte[] encode(AuditEvent event) {
        return encode(List.of(event), false);
    }

    /** One generator and one buffer for the whole batch (the file sink's), not one of each per record. */
    @Override
    public final byte[] encodeLines(List<AuditEvent> events) {
        return encode(events, true);
    }

    private byte[] encode(List<AuditEvent> events, boolean lines) {
        var bytes = new ByteArrayBuilder(events.size() * 1_024);
        try (var out = MAPPER.createGenerator(bytes)) {
            out.setRootValueSeparator(null);
            for (var event : events) {
                if (!event.isSealed()) {
                    throw new IllegalArgumentException("only sealed events are delivered (event %s has no seq)".formatted(event.eventId()));
                }
                write(event, out);
                if (lines) {
                    out.writeRaw('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory does not fail", e);
        }
        return bytes.toByteArray();
    }
}
