package io.timestore.server.ingest;

import io.timestore.server.ingest.SeriesCache.Series;
import io.timestore.server.points.FieldType;
import io.timestore.server.points.Point;
import io.timestore.server.points.Tag;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Parses one line of a body into a point of a {@link Batch}. One instance per parse call; not thread-safe.
 *
 * <p>This is a port of InfluxDB 2.x {@code models.parsePoint} and the functions it calls
 * ({@code scanKey}, {@code scanMeasurement}, {@code scanTags}, {@code scanFields},
 * {@code scanNumber}, {@code scanBoolean}, {@code walkFields}, {@code scanFieldValue},
 * {@code scanTime} in {@code models/points.go}, branch main-2.x), kept deliberately close to the
 * original, including its quirks: which byte counts as escaped differs between the scanners
 * (in keys a byte is escaped when the byte before it is a backslash; in the field scanner a
 * backslash consumes the next byte), and values are read with 2.x's field iterator semantics.
 * Conformance with 2.x is checked by {@code LineProtocolConformanceTest} against InfluxData's own
 * cases. Deliberate differences, each rejecting input 2.x would store in a broken or lossy way:
 * invalid UTF-8 and NUL bytes in names and strings, a string value with text after its closing
 * quote, and a field key made empty by a tab before it.
 *
 * <p>Work per line is index arithmetic over the request bytes, writing into the batch's columns;
 * nothing is allocated per line but string values (names come from {@link StringDecoder}'s cache,
 * series from {@link SeriesCache}).
 *
 * <p>Its length (over 500 lines) is deliberate: one scanner per Go function, in Go's order, keeps
 * the port checkable line by line against {@code models/points.go}; split up, that correspondence
 * would be lost.
 */
final class LineReader {
    /** InfluxDB's MaxKeyLength: the series key plus a field key, plus 4 separator bytes. */
    static final int MAX_KEY_LENGTH = 65_535;
    static final long MIN_NANOS = Point.MIN_TIME_NANOS; // models.MinNanoTime
    static final long MAX_NANOS = Point.MAX_TIME_NANOS; // models.MaxNanoTime
    /** The table of a body's recent series has at most twice this many entries. */
    private static final int RECENT_SERIES_MAX = 1024;

    private final byte[] b;
    private final Precision precision;
    private final long defaultTime;
    private final StringDecoder text = new StringDecoder();
    private final SeriesCache seriesCache;

    // The series of the keys this body has used, by hash, in front of the shared SeriesCache: a
    // hit compares the key with its first occurrence in the body, with no allocation and none of
    // the shared cache's bookkeeping (docs/data-plane.md, "Write path").
    private final Series[] recent;
    private final int[] recentHash;
    private final int[] recentStart;
    private final int[] recentEnd;

    private int[] tagBounds = new int[4 * 16]; // keyStart, keyEnd, valueStart, valueEnd per tag
    private int tagCount;
    // Numbers are parsed once, while scanning (where 2.x reports range errors), and picked up by
    // their start offset when the fields are built.
    private int[] numberStart = new int[16];
    private long[] numberBits = new long[16];
    private int numberCount;
    private int numberCursor;

    /** A reader of {@code body}, which has about {@code lines} lines (a guess that sizes its table of recent series). */
    LineReader(byte[] body, int lines, Precision precision, long defaultTimeNanos, SeriesCache seriesCache) {
        this.b = body;
        int size = Integer.highestOneBit(Math.clamp(lines, 8, RECENT_SERIES_MAX)) * 2;
        this.recent = new Series[size];
        this.recentHash = new int[size];
        this.recentStart = new int[size];
        this.recentEnd = new int[size];
        this.seriesCache = seriesCache;
        this.precision = precision;
        this.defaultTime = precision.truncate(defaultTimeNanos);
    }

    /**
     * Adds the point on {@code b[start, end)}, line {@code line} of the body, to {@code batch}:
     * {@code start} is past leading whitespace and not a comment; {@code end} excludes the line break.
     *
     * @throws LineSyntaxException if the line is invalid (the point is then not added)
     */
    void parse(int start, int end, int line, Batch.Builder batch) {
        int keyEnd = scanKey(start, end);
        Series series = series(start, keyEnd, tagCount == 0 ? keyEnd : tagBounds[0] - 1);
        int keyLength = keyEnd - start;
        if (keyLength > MAX_KEY_LENGTH) {
            throw syntax("max key length exceeded: %d > %d (measurement and tags)", keyLength, MAX_KEY_LENGTH);
        }
        int fieldsStart = skipWhitespace(keyEnd, end);
        int fieldsEnd = scanFields(fieldsStart, end);
        batch.beginPoint();
        readFields(fieldsStart, fieldsEnd, keyLength, batch);
        long time = readTime(fieldsEnd, end);
        batch.endPoint(series, time, line);
    }

    static int skipWhitespace(byte[] b, int i, int end) {
        while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == 0)) {
            i++;
        }
        return i;
    }

    private int skipWhitespace(int i, int end) {
        return skipWhitespace(b, i, end);
    }

    // ---- measurement and tags (scanKey, scanMeasurement, scanTags) ----

    /** Validates the series key and records the tags' bounds; returns the index of the space after it. */
    private int scanKey(int start, int end) {
        tagCount = 0;
        int i = start;
        if (b[i] == ',') {
            throw syntax("missing measurement: the line starts with ','");
        }
        while (true) {
            i++;
            if (i >= end) {
                throw missingFields();
            }
            if (b[i - 1] == '\\') {
                continue;
            }
            if (b[i] == ',') {
                i++;
                break;
            }
            if (b[i] == ' ') {
                return i;
            }
        }
        while (true) {
            int keyStart = i;
            if (i >= end || b[i] == ' ' || b[i] == ',' || b[i] == '=') {
                throw syntax("missing tag key after ','");
            }
            do {
                i++;
                if (i >= end || ((b[i] == ' ' || b[i] == ',') && b[i - 1] != '\\')) {
                    throw missingTagValue(keyStart, i);
                }
            } while (b[i] != '=' || b[i - 1] == '\\');
            int keyEnd = i++;
            int valueStart = i;
            if (i >= end || b[i] == ',' || b[i] == ' ') {
                throw missingTagValue(keyStart, keyEnd);
            }
            while (true) {
                i++;
                if (i >= end) {
                    throw missingFields();
                }
                if (b[i - 1] == '\\') {
                    continue;
                }
                if (b[i] == '=') {
                    throw syntax("invalid tag format: unescaped '=' in the value of tag '%s' (write it as \\=)",
                            StringDecoder.excerpt(b, keyStart, keyEnd));
                }
                if (b[i] == ',' || b[i] == ' ') {
                    break;
                }
            }
            addTag(keyStart, keyEnd, valueStart, i);
            if (b[i] == ' ') {
                return i;
            }
            i++;
        }
    }

    private void addTag(int keyStart, int keyEnd, int valueStart, int valueEnd) {
        int at = 4 * tagCount++;
        if (at + 4 > tagBounds.length) {
            tagBounds = Arrays.copyOf(tagBounds, tagBounds.length * 2);
        }
        tagBounds[at] = keyStart;
        tagBounds[at + 1] = keyEnd;
        tagBounds[at + 2] = valueStart;
        tagBounds[at + 3] = valueEnd;
    }

    private Series series(int start, int keyEnd, int measurementEnd) {
        int hash = SeriesCache.hash(b, start, keyEnd);
        int at = (hash ^ (hash >>> 16)) & (recent.length - 1);
        Series seen = recent[at];
        if (seen != null && recentHash[at] == hash && Arrays.equals(b, recentStart[at], recentEnd[at], b, start, keyEnd)) {
            return seen; // the same bytes, earlier in this body
        }
        Series series = cachedSeries(start, keyEnd, measurementEnd, hash);
        recent[at] = series;
        recentHash[at] = hash;
        recentStart[at] = start;
        recentEnd[at] = keyEnd;
        return series;
    }

    private Series cachedSeries(int start, int keyEnd, int measurementEnd, int hash) {
        Series cached = seriesCache.find(b, start, keyEnd, hash);
        if (cached != null) {
            return cached; // the same bytes passed every check below before
        }
        for (int t = 0; t < tagCount; t++) {
            requireNotReserved(tagBounds[4 * t], tagBounds[4 * t + 1]);
        }
        String measurement = text.decode(b, start, measurementEnd, StringDecoder.NAME, "measurement");
        List<Tag> tags = List.of();
        if (tagCount > 0) {
            var array = new Tag[tagCount];
            for (int t = 0; t < tagCount; t++) {
                int at = 4 * t;
                String key = text.decode(b, tagBounds[at], tagBounds[at + 1], StringDecoder.TAG, "tag key");
                String value = text.decode(b, tagBounds[at + 2], tagBounds[at + 3], StringDecoder.TAG, "value of tag", key);
                array[t] = new Tag(key, value);
            }
            Arrays.sort(array); // binary insertion sort below 32 tags: no allocation
            for (int t = 1; t < array.length; t++) {
                if (array[t].key().equals(array[t - 1].key())) {
                    throw syntax("duplicate tags: tag key '%s' appears more than once", array[t].key());
                }
            }
            tags = List.of(array);
        }
        var series = new Series(measurement, tags);
        seriesCache.put(b, start, keyEnd, series);
        return series;
    }

    private static final byte[][] RESERVED_TAG_KEYS = {
        "_measurement".getBytes(StandardCharsets.US_ASCII), "_field".getBytes(StandardCharsets.US_ASCII),
        "time".getBytes(StandardCharsets.US_ASCII), {0}, {(byte) 0xFF}, // 2.x also reserves its internal \x00 and \xff keys
    };

    private void requireNotReserved(int start, int end) {
        for (byte[] reserved : RESERVED_TAG_KEYS) {
            if (Arrays.equals(reserved, 0, reserved.length, b, start, end)) {
                throw syntax("cannot use reserved tag key \"%s\"", StringDecoder.excerpt(b, start, end));
            }
        }
    }

    // ---- fields: validation (scanFields, scanNumber, scanBoolean) ----

    /** Validates the field section starting at {@code start}; returns the index just past it. */
    private int scanFields(int start, int end) {
        int i = start;
        boolean quoted = false;
        int equals = 0;
        int commas = 0;
        int keyStart = start;
        numberCount = 0;
        while (i < end) {
            byte c = b[i];
            if (c == '\\' && i + 1 < end) {
                i += 2;
                continue;
            }
            if (c == '"' && equals > commas) {
                quoted = !quoted;
                i++;
                continue;
            }
            if (c == '=' && !quoted) {
                equals++;
                if ((b[i - 1] == ' ' || b[i - 1] == ',') && b[i - 2] != '\\') {
                    throw syntax("missing field key before '='");
                }
                if (i + 1 >= end || b[i + 1] == ',' || b[i + 1] == ' ') {
                    throw syntax("missing field value for field '%s'", StringDecoder.excerpt(b, keyStart, i));
                }
                byte next = b[i + 1];
                if ((next >= '0' && next <= '9') || next == '.' || next == '-' || next == 'N' || next == 'n') {
                    i = scanNumber(i + 1, end, keyStart, i);
                    continue;
                }
                if (next != '"') {
                    i = scanBoolean(i + 1, end, keyStart, i);
                    continue;
                }
            }
            if (c == ',' && !quoted) {
                commas++;
                keyStart = i + 1;
            }
            if (c == ' ' && !quoted) {
                break;
            }
            i++;
        }
        if (quoted) {
            throw syntax("unbalanced quotes: a string field value is not closed with '\"'");
        }
        if (equals == 0 || commas != equals - 1) {
            throw syntax(equals == 0
                    ? "invalid field format: expected at least one field (key=value)"
                    : "invalid field format: every field needs a key, '=' and a value, fields are separated by ','");
        }
        return i;
    }

    private int scanNumber(int i, int end, int keyStart, int keyEnd) {
        int start = i;
        boolean isInt = false;
        boolean isUnsigned = false;
        boolean decimal = false;
        boolean scientific = false;
        if (b[i] == '-') {
            i++;
            if (i == end) {
                throw invalidNumber(keyStart, keyEnd, start, end);
            }
        }
        for (; i < end; i++) {
            byte c = b[i];
            if (c == ',' || c == ' ') {
                break;
            }
            if ((c == 'i' || c == 'u') && i > start && !(isInt || isUnsigned)) {
                isInt = c == 'i';
                isUnsigned = c == 'u';
                continue;
            }
            if (c == '.') {
                if (decimal) {
                    throw invalidNumber(keyStart, keyEnd, start, end);
                }
                decimal = true;
            }
            if (i > start && (c == 'e' || c == 'E')) {
                scientific = true;
                continue;
            }
            if ((c == '+' || c == '-') && (b[i - 1] == 'e' || b[i - 1] == 'E')) {
                continue;
            }
            if (!((c >= '0' && c <= '9') || c == '.')) { // also rejects NaN, as 2.x does
                throw invalidNumber(keyStart, keyEnd, start, end);
            }
        }
        int digits = i - start - (isInt ? 1 : 0) - (decimal ? 1 : 0) - (b[start] == '-' ? 1 : 0);
        if (((isInt || isUnsigned) && (decimal || scientific)) || digits == 0) {
            throw invalidNumber(keyStart, keyEnd, start, end);
        }
        byte kind = isInt ? (byte) 'i' : isUnsigned ? (byte) 'u' : (byte) 'f';
        if ((isInt || isUnsigned) && (b[i - 1] != kind || (isUnsigned && b[start] == '-'))) {
            throw invalidNumber(keyStart, keyEnd, start, end);
        }
        recordNumber(start, number(kind, keyStart, keyEnd, start, kind == 'f' ? i : i - 1));
        return i;
    }

    /**
     * The 64 bits of the number {@code b[start, end)} (its suffix excluded) of the field named by
     * {@code b[keyStart, keyEnd)}: an int64 ({@code kind} 'i'), a uint64 ('u') or a float64's raw
     * bits (anything else).
     */
    private long number(byte kind, int keyStart, int keyEnd, int start, int end) {
        try {
            return switch (kind) {
                case 'i' -> NumberParser.parseLong(b, start, end);
                case 'u' -> NumberParser.parseUnsignedLong(b, start, end);
                default -> Double.doubleToRawLongBits(NumberParser.parseDouble(b, start, end));
            };
        } catch (NumberFormatException e) {
            throw syntax(switch (kind) {
                case 'i' -> "integer out of range for field '%s': %s (int64 holds -9223372036854775808 to 9223372036854775807)";
                case 'u' -> "unsigned integer out of range for field '%s': %s (uint64 holds 0 to 18446744073709551615)";
                default -> "invalid float for field '%s': '%s' is not a finite float64";
            }, StringDecoder.excerpt(b, keyStart, keyEnd), StringDecoder.excerpt(b, start, end));
        }
    }

    private void recordNumber(int start, long bits) {
        if (numberCount == numberStart.length) {
            numberStart = Arrays.copyOf(numberStart, numberCount * 2);
            numberBits = Arrays.copyOf(numberBits, numberCount * 2);
        }
        numberStart[numberCount] = start;
        numberBits[numberCount++] = bits;
    }

    private int scanBoolean(int i, int end, int keyStart, int keyEnd) {
        int start = i;
        while (i < end && b[i] != ',' && b[i] != ' ') {
            i++;
        }
        if (!isBoolean(start, i)) {
            throw syntax("invalid field value for field '%s': expected a number, boolean or quoted string, found '%s'",
                    StringDecoder.excerpt(b, keyStart, keyEnd), StringDecoder.excerpt(b, start, i));
        }
        return i;
    }

    /** t T true True TRUE f F false False FALSE, the spellings 2.x accepts. */
    private boolean isBoolean(int start, int end) {
        return switch (end - start) {
            case 1 -> b[start] == 't' || b[start] == 'T' || b[start] == 'f' || b[start] == 'F';
            case 4 -> is(start, "true") || is(start, "True") || is(start, "TRUE");
            case 5 -> is(start, "false") || is(start, "False") || is(start, "FALSE");
            default -> false;
        };
    }

    private boolean is(int start, String ascii) {
        for (int k = 0; k < ascii.length(); k++) {
            if (b[start + k] != ascii.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    // ---- fields: building (walkFields, the field iterator, scanFieldValue) ----

    /** Adds the fields of {@code b[start, end)} to the point {@code batch} has begun. */
    private void readFields(int start, int end, int keyLength, Batch.Builder batch) {
        numberCursor = 0;
        int p = start;
        while (p < end) {
            int i = p;
            while (i < end && (b[i] != '=' || (i != p && b[i - 1] == '\\'))) {
                i++;
            }
            if (i > end - 2) {
                throw syntax("invalid field format: field '%s' has no '=' and value", StringDecoder.excerpt(b, p, i));
            }
            if (keyLength + 4 + (i - p) > MAX_KEY_LENGTH) {
                throw syntax("max key length exceeded: %d > %d (measurement, tags and field key '%s')",
                        keyLength + 4 + (i - p), MAX_KEY_LENGTH, StringDecoder.excerpt(b, p, i));
            }
            int j = i + 1;
            boolean quoted = false;
            while (j < end) {
                byte c = b[j];
                if (c == '\\' && j + 1 < end && (b[j + 1] == '"' || b[j + 1] == '\\')) {
                    j += 2;
                    continue;
                }
                if (c == '"') {
                    quoted = !quoted;
                } else if (c == ',' && !quoted) {
                    break;
                }
                j++;
            }
            if (i == p) { // only after a tab, which 2.x skips as whitespace before the first field
                throw syntax("missing field key before '='");
            }
            String key = text.decode(b, p, i, StringDecoder.NAME, "field key");
            value(key, i + 1, j, batch); // a repeated key keeps its first position and takes the last value, as 2.x's Fields() does
            p = j < end ? j + 1 : j;
        }
    }

    private void value(String key, int start, int end, Batch.Builder batch) {
        if (start == end) {
            throw syntax("missing field value for field '%s'", key);
        }
        byte first = b[start];
        if (first == '"') {
            if (end - start < 2 || b[end - 1] != '"') {
                throw syntax("invalid string value for field '%s': unexpected text after the closing quote", key);
            }
            batch.putField(key, FieldType.STRING, 0,
                    text.decode(b, start + 1, end - 1, StringDecoder.STRING, "string value of field", key));
            return;
        }
        if ((first >= '0' && first <= '9') || first == '-' || first == '.') {
            long recorded = 0;
            boolean found = numberCursor < numberCount && numberStart[numberCursor] == start;
            if (found) {
                recorded = numberBits[numberCursor++];
            }
            byte kind = b[end - 1];
            long bits = found ? recorded : number(kind, start, start, start, kind == 'i' || kind == 'u' ? end - 1 : end);
            batch.putField(key, kind == 'i' ? FieldType.INTEGER : kind == 'u' ? FieldType.UNSIGNED : FieldType.FLOAT, bits, null);
            return;
        }
        if (!isBoolean(start, end)) {
            throw syntax("invalid field value for field '%s': expected a number, boolean or quoted string, found '%s'",
                    key, StringDecoder.excerpt(b, start, end));
        }
        batch.putField(key, FieldType.BOOLEAN, first == 't' || first == 'T' ? 1 : 0, null);
    }

    // ---- timestamp (scanTime, SafeCalcTime, CheckTime) ----

    private long readTime(int fieldsEnd, int end) {
        int start = skipWhitespace(fieldsEnd, end);
        int i = start;
        while (i < end && b[i] != '\n' && b[i] != ' ') {
            if (!((b[i] >= '0' && b[i] <= '9') || (i == start && b[i] == '-'))) {
                throw syntax("bad timestamp: expected an integer, found '%s'", StringDecoder.excerpt(b, start, end));
            }
            i++;
        }
        if (i == start) {
            return defaultTime;
        }
        long timestamp;
        try {
            timestamp = NumberParser.parseLong(b, start, i);
        } catch (NumberFormatException e) {
            throw syntax(i - start == 1
                    ? "bad timestamp: expected an integer, found '%s'"
                    : "timestamp out of range: %s does not fit in a signed 64-bit integer", StringDecoder.excerpt(b, start, i));
        }
        long unit = precision.nanosPerUnit();
        long nanos = timestamp * unit;
        if (Math.multiplyHigh(timestamp, unit) != (nanos >> 63) || nanos < MIN_NANOS || nanos > MAX_NANOS) {
            throw syntax("time outside range -9223372036854775806 - 9223372036854775806 (nanoseconds): %d with precision %s",
                    timestamp, precision);
        }
        for (int k = i; k < end; k++) {
            if (b[k] != ' ') {
                throw syntax("point is invalid: unexpected '%s' after the timestamp", StringDecoder.excerpt(b, k, end));
            }
        }
        return nanos;
    }

    // ---- errors ----

    private static LineSyntaxException syntax(String format, Object... args) {
        return new LineSyntaxException(args.length == 0 ? format : format.formatted(args));
    }

    private static LineSyntaxException missingFields() {
        return syntax("missing fields: expected a space and at least one field (key=value) after the measurement and tags");
    }

    private LineSyntaxException missingTagValue(int keyStart, int keyEnd) {
        return syntax("missing tag value for tag key '%s' (expected key=value)", StringDecoder.excerpt(b, keyStart, keyEnd));
    }

    private LineSyntaxException invalidNumber(int keyStart, int keyEnd, int start, int end) {
        int valueEnd = start;
        while (valueEnd < end && b[valueEnd] != ',' && b[valueEnd] != ' ') {
            valueEnd++;
        }
        return syntax("invalid number for field '%s': '%s'", StringDecoder.excerpt(b, keyStart, keyEnd), StringDecoder.excerpt(b, start, valueEnd));
    }
}
