package io.timestore.audit.delivery.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.timestore.audit.delivery.SealedEvent;
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
    /**
     * Characters outside the Basic Multilingual Plane go out as UTF-8, as {@link
     * io.timestore.audit.AuditJson#write} and the stored text have them, not as escaped surrogate pairs
     * (the UTF-8 generator's default): so a record written here and one sent as stored are the same bytes.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

    /** Writes the record of a sealed event to {@code out} as one JSON object. */
    abstract void write(SealedEvent event, JsonGenerator out) throws IOException;

    /**
     * The record's bytes when the format has them ready (the {@code timestore} format of an event
     * read in the writer's form), or null: then {@link #write} writes it.
     */
    byte[] ready(SealedEvent event) {
        return null;
    }

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
    public final byte[] encode(SealedEvent event) {
        var record = ready(event);
        return record != null ? record : encode(List.of(event), false);
    }

    /** One generator and one buffer for the whole batch (the file sink's), not one of each per record. */
    @Override
    public final byte[] encodeLines(List<SealedEvent> events) {
        return encode(events, true);
    }

    private byte[] encode(List<SealedEvent> events, boolean lines) {
        var bytes = new ByteArrayBuilder(events.size() * 1_024);
        try (var out = MAPPER.createGenerator(bytes)) {
            out.setRootValueSeparator(null);
            for (var event : events) {
                var record = ready(event);
                if (record == null) {
                    write(event, out);
                } else {
                    // A root value needs no separator here (none is set): what the generator holds goes
                    // out first, then the record's bytes beside it.
                    out.flush();
                    bytes.write(record);
                }
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
