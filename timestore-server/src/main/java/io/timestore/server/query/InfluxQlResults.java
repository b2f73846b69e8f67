package io.timestore.server.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * InfluxDB 1.x's {@code /query} response: {@code {"results": [{"statement_id", "series": [{"name",
 * "tags", "columns", "values"}]}]}}, or with {@code chunked=true} one such document per line, per
 * chunk of at most {@code chunkSize} rows of one series, with {@code "partial": true} on all but
 * the last chunk of a series and statement.
 */
final class InfluxQlResults {
    /** One series of a result: rows of {@code columns}; a {@code time} first column holds int64 nanoseconds. */
    record Series(String name, Map<String, String> tags, List<String> columns, List<List<Object>> values) {
        Series {
            Objects.requireNonNull(name, "name");
            tags = tags == null ? Map.of() : tags;
            columns = List.copyOf(columns);
        }
    }

    /** A statement's series. */
    record Result(int statementId, List<Series> series) {}

    /** How times are written: {@code null} for RFC 3339, else nanoseconds per unit ({@code epoch=}). */
    record Epoch(Long nanosPerUnit) {
        static Epoch of(String epoch) {
            if (epoch == null || epoch.isEmpty()) {
                return new Epoch(null);
            }
            long unit = switch (epoch) {
                case "ns", "n" -> 1L;
                case "u", "µ", "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> throw new io.timestore.server.problems.InvalidRequest(
                        "epoch must be one of ns, u, µ, ms, s, m, h; got '%s'".formatted(epoch),
                        List.of(io.timestore.server.problems.InvalidRequest.FieldError.at("/epoch", "unknown unit")));
            };
            return new Epoch(unit);
        }
    }

    private final JsonFactory json;
    private final Epoch epoch;

    InfluxQlResults(JsonFactory json, Epoch epoch) {
        this.json = json;
        this.epoch = epoch;
    }

    byte[] write(List<Result> results) {
        return document(out -> {
            try (var generator = json.createGenerator(out)) {
                generator.writeStartObject();
                generator.writeArrayFieldStart("results");
                for (var result : results) {
                    generator.writeStartObject();
                    generator.writeNumberField("statement_id", result.statementId());
                    if (!result.series().isEmpty()) {
                        generator.writeArrayFieldStart("series");
                        for (var series : result.series()) {
                            writeSeries(generator, series, series.values());
                        }
                        generator.writeEndArray();
                    }
                    generator.writeEndObject();
                }
                generator.writeEndArray();
                generator.writeEndObject();
            }
        });
    }

    /** {@code chunked=true}: one document per line per chunk, as InfluxDB 1.x streams them. */
    byte[] writeChunked(List<Result> results, int chunkSize) {
        return document(out -> {
            for (var result : results) {
                if (result.series().isEmpty()) {
                    line(out, result.statementId(), null, List.of(), false, false);
                }
                for (int s = 0; s < result.series().size(); s++) {
                    var series = result.series().get(s);
                    var rows = series.values();
                    boolean lastSeries = s == result.series().size() - 1;
                    for (int from = 0; from < Math.max(1, rows.size()); from += chunkSize) {
                        boolean lastChunk = from + chunkSize >= rows.size();
                        line(out, result.statementId(), series, rows.subList(from, Math.min(rows.size(), from + chunkSize)),
                                !lastChunk, !(lastChunk && lastSeries));
                    }
                }
            }
        });
    }

    /**
     * {@code Accept: application/csv}, as InfluxDB 1.x writes it: a header {@code name,tags,<columns>}
     * whenever the columns change, then one record per row with the series' name and its tags as
     * {@code k=v,k=v}; times as integers ({@code epoch}'s unit, nanoseconds without it); an empty
     * line between statements.
     */
    byte[] writeCsv(List<Result> results) {
        var text = new StringBuilder();
        for (int r = 0; r < results.size(); r++) {
            if (r > 0) {
                text.append(io.timestore.server.http.Csv.CRLF);
            }
            List<String> header = null;
            for (var series : results.get(r).series()) {
                if (!series.columns().equals(header)) {
                    header = series.columns();
                    text.append("name,tags");
                    header.forEach(column -> text.append(',').append(io.timestore.server.http.Csv.text(column)));
                    text.append(io.timestore.server.http.Csv.CRLF);
                }
                var tags = new StringBuilder();
                series.tags().forEach((key, value) -> tags.append(tags.isEmpty() ? "" : ",").append(key).append('=').append(value));
                boolean timed = series.columns().getFirst().equals("time");
                for (var row : series.values()) {
                    text.append(io.timestore.server.http.Csv.text(series.name())).append(',')
                            .append(io.timestore.server.http.Csv.text(tags.toString()));
                    for (int i = 0; i < row.size(); i++) {
                        text.append(',').append(csvCell(row.get(i), i == 0 && timed));
                    }
                    text.append(io.timestore.server.http.Csv.CRLF);
                }
            }
        }
        return text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private String csvCell(Object value, boolean time) {
        return switch (value) {
            case null -> "";
            case Long nanos when time -> Long.toString(Math.floorDiv(nanos, epoch.nanosPerUnit() == null ? 1L : epoch.nanosPerUnit()));
            case Double d when d.isNaN() || d.isInfinite() -> "";
            case BigDecimal b -> b.stripTrailingZeros().toPlainString();
            case String text -> io.timestore.server.http.Csv.text(text);
            default -> String.valueOf(value);
        };
    }

    private void line(ByteArrayOutputStream out, int statementId, Series series, List<List<Object>> rows, boolean seriesPartial,
                      boolean resultPartial) throws IOException {
        try (var generator = json.createGenerator(out)) {
            generator.writeStartObject();
            generator.writeArrayFieldStart("results");
            generator.writeStartObject();
            generator.writeNumberField("statement_id", statementId);
            if (series != null) {
                generator.writeArrayFieldStart("series");
                writeSeries(generator, series, rows, seriesPartial);
                generator.writeEndArray();
            }
            if (resultPartial) {
                generator.writeBooleanField("partial", true);
            }
            generator.writeEndObject();
            generator.writeEndArray();
            generator.writeEndObject();
        }
        out.write('\n');
    }

    private void writeSeries(JsonGenerator generator, Series series, List<List<Object>> rows) throws IOException {
        writeSeries(generator, series, rows, false);
    }

    private void writeSeries(JsonGenerator generator, Series series, List<List<Object>> rows, boolean partial) throws IOException {
        generator.writeStartObject();
        if (!series.name().isEmpty()) {
            generator.writeStringField("name", series.name()); // InfluxDB leaves out an empty name (SHOW RETENTION POLICIES)
        }
        if (!series.tags().isEmpty()) {
            generator.writeObjectFieldStart("tags");
            for (var tag : series.tags().entrySet()) {
                generator.writeStringField(tag.getKey(), tag.getValue());
            }
            generator.writeEndObject();
        }
        generator.writeArrayFieldStart("columns");
        for (var column : series.columns()) {
            generator.writeString(column);
        }
        generator.writeEndArray();
        boolean timed = !series.columns().isEmpty() && series.columns().getFirst().equals("time");
        generator.writeArrayFieldStart("values");
        for (var row : rows) {
            generator.writeStartArray();
            for (int i = 0; i < row.size(); i++) {
                if (i == 0 && timed && row.getFirst() instanceof Long nanos) {
                    writeTime(generator, nanos);
                } else {
                    writeValue(generator, row.get(i));
                }
            }
            generator.writeEndArray();
        }
        generator.writeEndArray();
        if (partial) {
            generator.writeBooleanField("partial", true);
        }
        generator.writeEndObject();
    }

    private void writeTime(JsonGenerator generator, long nanos) throws IOException {
        if (epoch.nanosPerUnit() == null) {
            generator.writeString(rfc3339(nanos));
        } else {
            generator.writeNumber(Math.floorDiv(nanos, epoch.nanosPerUnit()));
        }
    }

    /** RFC 3339 in UTC with trailing fractional zeros trimmed, as InfluxDB writes times. */
    static String rfc3339(long nanos) {
        var text = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
        int dot = text.indexOf('.');
        if (dot < 0) {
            return text;
        }
        int end = text.length() - 1; // the Z
        int last = end;
        while (text.charAt(last - 1) == '0') {
            last--;
        }
        return text.charAt(last - 1) == '.' ? text.substring(0, last - 1) + "Z" : text.substring(0, last) + "Z";
    }

    private static void writeValue(JsonGenerator generator, Object value) throws IOException {
        switch (value) {
            case null -> generator.writeNull();
            case Double d when d.isNaN() || d.isInfinite() -> generator.writeNull();
            case Double d -> generator.writeNumber(d);
            case Long l -> generator.writeNumber(l);
            case Integer i -> generator.writeNumber(i);
            case BigDecimal b -> generator.writeNumber(b.stripTrailingZeros().toPlainString());
            case Boolean b -> generator.writeBoolean(b);
            case String s -> generator.writeString(s);
            case Number n -> generator.writeNumber(n.toString());
            default -> throw new IllegalStateException("unexpected value of " + value.getClass());
        }
    }

    @FunctionalInterface
    private interface Body {
        void write(ByteArrayOutputStream out) throws IOException;
    }

    private static byte[] document(Body body) {
        var out = new ByteArrayOutputStream();
        try {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
