package io.timestore.server.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.timestore.server.points.FieldType;
import io.timestore.server.points.Rfc3339;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * {@code {"series": [{"measurement", "tags", "field", "type", "points": [[time, value], ...]}, ...], "next_cursor"?}},
 * written as the points arrive. Tags are re-encoded from the stored jsonb text, whose own output
 * has a space after every colon and comma, so that they look like all other JSON of the API.
 */
final class JsonSeriesOutput implements SeriesOutput {
    private final JsonFactory json;
    private final boolean epochNanos;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final JsonGenerator generator;
    private final byte[] timeText = new byte[Rfc3339.MAX_LENGTH];
    private boolean open;

    JsonSeriesOutput(JsonFactory json, boolean epochNanos) {
        this.json = json;
        this.epochNanos = epochNanos;
        try {
            generator = json.createGenerator(out);
            generator.writeStartObject();
            generator.writeArrayFieldStart("series");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void startSeries(String measurement, String tagsJson, String field, FieldType type) {
        try {
            endSeries();
            generator.writeStartObject();
            generator.writeStringField("measurement", measurement);
            generator.writeFieldName("tags");
            copy(json, tagsJson, generator);
            generator.writeStringField("field", field);
            generator.writeStringField("type", type.lowercaseName());
            generator.writeArrayFieldStart("points");
            open = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the JSON value {@code text} through {@code generator}, in its compact form. */
    static void copy(JsonFactory json, String text, JsonGenerator generator) throws IOException {
        try (var parser = json.createParser(text)) {
            parser.nextToken();
            generator.copyCurrentStructure(parser);
        }
    }

    @Override
    public void point(long time, Object value) {
        try {
            generator.writeStartArray();
            if (epochNanos) {
                generator.writeNumber(time);
            } else {
                // ASCII that needs no escaping, written as bytes: no String per point.
                int length = Rfc3339.format(time, timeText);
                generator.writeRawUTF8String(timeText, 0, length);
            }
            writeValue(value);
            generator.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // Integers and unsigned integers are written as exact JSON numbers, never through a double.
    private void writeValue(Object value) throws IOException {
        switch (value) {
            case null -> generator.writeNull();
            case Double d -> generator.writeNumber(d);
            case Long l -> generator.writeNumber(l);
            case BigDecimal b -> generator.writeNumber(b.toPlainString());
            case Boolean b -> generator.writeBoolean(b);
            case String s -> generator.writeString(s);
            case Number n -> generator.writeNumber(n.toString());
            default -> throw new IllegalStateException("unexpected value of " + value.getClass());
        }
    }

    private void endSeries() throws IOException {
        if (open) {
            generator.writeEndArray();
            generator.writeEndObject();
            open = false;
        }
    }

    @Override
    public byte[] finish(Optional<String> nextCursor) {
        try {
            endSeries();
            generator.writeEndArray();
            if (nextCursor.isPresent()) {
                generator.writeStringField("next_cursor", nextCursor.get());
            }
            generator.writeEndObject();
            generator.close();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
