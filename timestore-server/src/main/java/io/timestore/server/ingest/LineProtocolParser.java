package io.timestore.server.ingest;

import io.timestore.server.config.PointsSettings;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Parses InfluxDB line protocol as InfluxDB 2.x does for {@code POST /api/v2/write}
 * ({@code models.ParsePointsWithPrecision}): the whole body is accepted or the whole body is
 * rejected.
 *
 * <p>Design: the parser works on the request bytes directly, by index, without regular
 * expressions or per-character Strings; each line is scanned by a port of the 2.x scanner
 * ({@link LineReader}) so edge cases behave as InfluxDB's own test cases say. Strings are built
 * once per distinct name per request (a small bounded cache, nothing interned globally), points of
 * one series share one tag list, and numbers are parsed from the bytes (a fast exact path for
 * common floats). Limits are checked while scanning, so an oversized request stops early.
 *
 * <p>Immutable and thread-safe; each call keeps its working state to itself.
 */
public final class LineProtocolParser {
    private final Limits limits;
    private final SeriesCache series;

    /** A parser with a series cache of {@code seriesCacheSize} entries, shared by all its parse calls. */
    public LineProtocolParser(Limits limits, int seriesCacheSize) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.series = new SeriesCache(seriesCacheSize);
    }

    /** A parser with a series cache of the default size ({@link PointsSettings#DEFAULT_SERIES_CACHE_SIZE}). */
    public LineProtocolParser(Limits limits) {
        this(limits, PointsSettings.DEFAULT_SERIES_CACHE_SIZE);
    }

    public Limits limits() {
        return limits;
    }

    /**
     * The points of {@code body}. An empty, blank or comment-only body gives an empty batch.
     *
     * @param body             the request body (already decompressed), UTF-8 line protocol
     * @param precision        the unit of the timestamps in the body
     * @param defaultTimeNanos the server's time, in nanoseconds since the epoch, for lines without
     *                         a timestamp (truncated to {@code precision}, as InfluxDB does)
     * @throws LineProtocolException if any line is invalid (listing the first
     *                               {@value LineProtocolException#MAX_REPORTED_ERRORS}) or the body
     *                               has more than {@link Limits#maxPoints()} points
     */
    public Batch parse(byte[] body, Precision precision, long defaultTimeNanos) {
        return parse(body, 0, body.length, precision, defaultTimeNanos);
    }

    /** As {@link #parse(byte[], Precision, long)}, for the remaining bytes of {@code body} (its position is not changed). */
    public Batch parse(ByteBuffer body, Precision precision, long defaultTimeNanos) {
        if (body.hasArray()) {
            return parse(body.array(), body.arrayOffset() + body.position(), body.remaining(), precision, defaultTimeNanos);
        }
        byte[] copy = new byte[body.remaining()];
        body.duplicate().get(copy);
        return parse(copy, 0, copy.length, precision, defaultTimeNanos);
    }

    /**
     * Where the line from {@code pos} ends (its newline, or {@code end}) when no backslash or
     * quote comes before that; -1 when one does and the line needs the full scan. The scan's
     * state (escapes, quoted string values) only matters on a line that has either.
     */
    static int plainLineEnd(byte[] body, int pos, int end) {
        int i = pos;
        for (; end - i >= Long.BYTES; i += Long.BYTES) { // eight bytes a step, the first of the three bytes found exactly
            long word = ByteWords.word(body, i);
            long stop = ByteWords.lowestEqual(word, (byte) '\n') | ByteWords.lowestEqual(word, (byte) '\\')
                    | ByteWords.lowestEqual(word, (byte) '"');
            if (stop != 0) {
                int at = i + ByteWords.position(stop);
                return body[at] == '\n' ? at : -1;
            }
        }
        for (; i < end; i++) {
            byte c = body[i];
            if (c == '\n') {
                return i;
            }
            if (c == '\\' || c == '"') {
                return -1;
            }
        }
        return end;
    }

    /**
     * scanLine: where the line from {@code pos} ends, at a newline outside a quoted string value
     * (or {@code end}); a backslash followed by at least two more bytes always takes the next
     * byte with it. Every newline before that end is inside the line, escaped or quoted.
     */
    private static int scanLine(byte[] body, int pos, int end) {
        int i = pos;
        boolean quoted = false;
        boolean fields = false;
        int equals = 0;
        int commas = 0;
        while (i < end) {
            byte c = body[i];
            if (c == '\\' && i + 2 < end) {
                i += 2;
                continue;
            }
            if (c == ' ') {
                fields = true;
            }
            if (fields) {
                if (!quoted && c == '=') {
                    equals++;
                    i++;
                    continue;
                } else if (!quoted && c == ',') {
                    commas++;
                    i++;
                    continue;
                } else if (c == '"' && equals > commas) {
                    quoted = !quoted;
                    i++;
                    continue;
                }
            }
            if (c == '\n' && !quoted) {
                return i;
            }
            i++;
        }
        return end;
    }

    /** The newlines in {@code body[from, to)}: the lines a line of line protocol spans beyond its first. */
    private static int newlines(byte[] body, int from, int to) {
        int count = 0;
        for (int i = from; i < to; i++) {
            if (body[i] == '\n') {
                count++;
            }
        }
        return count;
    }

    /** As {@link #parse(byte[], Precision, long)}, for {@code body[offset, offset + length)}. */
    public Batch parse(byte[] body, int offset, int length, Precision precision, long defaultTimeNanos) {
        Objects.checkFromIndexSize(offset, length, body.length);
        Objects.requireNonNull(precision, "precision");
        // Sized for lines of about 32 bytes or more, so that a usual body's list never grows.
        int expected = Math.min(limits.maxPoints(), length / 32 + 1);
        var reader = new LineReader(body, expected, precision, defaultTimeNanos, series);
        var batch = new Batch.Builder(expected, expected); // one value a line before it grows
        List<LineError> errors = List.of();
        int end = offset + length;
        int pos = offset;
        int line = 1;
        int dataLines = 0;
        while (pos < end) {
            // Most lines have neither a backslash nor a quote: such a line ends at the first
            // newline, found without the state the scan below keeps per byte.
            int i = plainLineEnd(body, pos, end);
            int breaks = 0;
            if (i < 0) {
                i = scanLine(body, pos, end);
                breaks = newlines(body, pos, i);
            }
            int lineNumber = line;
            line += breaks + 1;
            int start = LineReader.skipWhitespace(body, pos, i);
            pos = i + 1;
            if (start == i || body[start] == '#') {
                continue; // blank line or comment
            }
            if (++dataLines > limits.maxPoints()) {
                throw LineProtocolException.tooManyPoints(limits.maxPoints(), lineNumber);
            }
            LineError error;
            if (i - start > limits.maxLineBytes()) {
                error = new LineError(lineNumber, "line too long: %d bytes, the limit is %d bytes"
                        .formatted(i - start, limits.maxLineBytes()));
            } else {
                try {
                    reader.parse(start, i, lineNumber, batch);
                    if (!errors.isEmpty()) {
                        batch.clear(); // once a line failed nothing is written: the lines after it are only checked
                    }
                    continue;
                } catch (LineSyntaxException e) {
                    error = new LineError(lineNumber, e.getMessage());
                }
            }
            if (errors.isEmpty()) {
                errors = new ArrayList<>();
                batch.clear(); // the points kept so far are dropped
            }
            if (errors.size() == LineProtocolException.MAX_REPORTED_ERRORS) {
                throw LineProtocolException.malformed(errors, true);
            }
            errors.add(error);
        }
        if (!errors.isEmpty()) {
            throw LineProtocolException.malformed(errors, false);
        }
        return batch.build();
    }
}
