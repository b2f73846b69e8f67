package io.timestore.server.query;

import com.fasterxml.jackson.core.JsonFactory;
import io.timestore.server.http.Csv;
import io.timestore.server.points.FieldType;
import io.timestore.server.points.Rfc3339;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * One CSV record per point (RFC 4180, docs/data-plane.md): a header
 * {@code measurement,tag.<key>...,field,type,time,value} with a column for every tag key of the
 * result, sorted, then the points series by series. A series without a tag leaves its cell empty.
 * The header needs every tag key, so the points are held until {@link #finish}; a response is
 * bounded by the points limit anyway, and is held until its audit event is durable.
 */
final class CsvSeriesOutput implements SeriesOutput {
    private final JsonFactory json;
    private final boolean epochNanos;
    private final List<Series> series = new ArrayList<>();

    /** A series and its points' (time, value) cells, already formatted. */
    private record Series(String measurement, Map<String, String> tags, String field, FieldType type, List<String> rows) {}

    CsvSeriesOutput(JsonFactory json, boolean epochNanos) {
        this.json = json;
        this.epochNanos = epochNanos;
    }

    @Override
    public void startSeries(String measurement, String tagsJson, String field, FieldType type) {
        series.add(new Series(measurement, tags(tagsJson), field, type, new ArrayList<>()));
    }

    @Override
    public void point(long time, Object value) {
        var timeCell = epochNanos ? Long.toString(time) : Rfc3339.format(time);
        series.getLast().rows().add(timeCell + "," + cell(value));
    }

    // Values the server formats itself (numbers, booleans) are never formulas, a negative number
    // included; strings are the writer's text and are guarded like names.
    private static String cell(Object value) {
        return switch (value) {
            case null -> "";
            case Double d -> Double.toString(d);
            case BigDecimal b -> b.toPlainString();
            case Number n -> n.toString();
            case Boolean b -> b.toString();
            case String s -> Csv.text(s);
            default -> throw new IllegalStateException("unexpected value of " + value.getClass());
        };
    }

    @Override
    public byte[] finish(Optional<String> nextCursor) {
        var keys = new TreeSet<String>();
        series.forEach(s -> keys.addAll(s.tags().keySet()));
        var out = new StringBuilder("measurement");
        keys.forEach(key -> out.append(',').append(Csv.text("tag." + key)));
        out.append(",field,type,time,value").append(Csv.CRLF);
        for (var one : series) {
            var prefix = new StringBuilder(Csv.text(one.measurement()));
            for (var key : keys) {
                var value = one.tags().get(key);
                prefix.append(',').append(value == null ? "" : Csv.text(value));
            }
            prefix.append(',').append(Csv.text(one.field())).append(',').append(one.type().lowercaseName()).append(',');
            for (var row : one.rows()) {
                out.append(prefix).append(row).append(Csv.CRLF);
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private Map<String, String> tags(String tagsJson) {
        return SeriesSelection.tags(json, tagsJson);
    }
}
