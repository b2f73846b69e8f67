package io.timestore.server.ingest;

import io.timestore.server.ingest.SeriesCache.Series;
import io.timestore.server.points.Field;
import io.timestore.server.points.FieldType;
import io.timestore.server.points.FieldValue;
import io.timestore.server.points.Point;
import io.timestore.server.points.Tag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The points of one accepted write, in body order, each with the line it came from. Immutable and
 * thread-safe.
 *
 * <p>Columnar: per point its series (measurement and tag list, shared by every point of the series
 * that one parse produced), time and line; per field value (points in order, each point's fields
 * in line order) its key, type and 64 bits (a float's raw bits, an int64, a uint64's bits, 1 or 0
 * for a boolean) or its String. The parser fills the columns directly, so a line costs no
 * objects of its own ({@code Point}, its field list, {@code Field}, the value: five a line
 * before); the store reads them as they are (docs/data-plane.md, "The JVM's share, third pass").
 * {@link #points()} builds {@link Point}s for callers that want them.
 */
public final class Batch {
    /** {@link #typeConflicts()} reports at most this many conflicts. */
    public static final int MAX_REPORTED_CONFLICTS = 100;

    private final int size;
    private final Series[] series;
    private final long[] times;
    private final int[] lines;
    private final int[] valueEnds; // the values of point i are [valueEnds[i - 1] (0 for the first), valueEnds[i])
    private final String[] keys;
    private final FieldType[] types;
    private final long[] bits;
    private final String[] strings; // null when the batch has no string value

    private Batch(Builder b) {
        size = b.size;
        series = b.series;
        times = b.times;
        lines = b.lines;
        valueEnds = b.valueEnds;
        keys = b.keys;
        types = b.types;
        bits = b.bits;
        strings = b.strings;
    }

    /** A batch of {@code points} built elsewhere (JSON): point {@code i} came from line or item {@code lines[i]}. */
    static Batch of(List<Point> points, int[] lines) {
        record Key(String measurement, List<Tag> tags) {}
        var seen = new HashMap<Key, Series>(); // points of one series share one Series, as parsed points do
        var builder = new Builder(points.size(), points.size());
        for (int i = 0; i < points.size(); i++) {
            Point point = points.get(i);
            builder.beginPoint();
            for (Field field : point.fields()) {
                switch (field.value()) {
                    case FieldValue.FloatValue v -> builder.putField(field.key(), FieldType.FLOAT, Double.doubleToRawLongBits(v.value()), null);
                    case FieldValue.IntegerValue v -> builder.putField(field.key(), FieldType.INTEGER, v.value(), null);
                    case FieldValue.UnsignedValue v -> builder.putField(field.key(), FieldType.UNSIGNED, v.bits(), null);
                    case FieldValue.BooleanValue v -> builder.putField(field.key(), FieldType.BOOLEAN, v.value() ? 1 : 0, null);
                    case FieldValue.StringValue v -> builder.putField(field.key(), FieldType.STRING, 0, v.value());
                }
            }
            var series = seen.computeIfAbsent(new Key(point.measurement(), point.tags()), k -> new Series(k.measurement(), k.tags()));
            builder.endPoint(series, point.timestampNanos(), lines[i]);
        }
        return builder.build();
    }

    /** The points in body order, built on each call (for tests and callers outside the write path). */
    public List<Point> points() {
        var points = new ArrayList<Point>(size);
        for (int i = 0; i < size; i++) {
            var fields = new ArrayList<Field>(valueEnd(i) - firstValue(i));
            for (int v = firstValue(i); v < valueEnd(i); v++) {
                fields.add(new Field(keys[v], value(v)));
            }
            points.add(new Point(series[i].measurement(), series[i].tags(), fields, times[i]));
        }
        return points;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The 1-based line of point {@code index}. */
    public int lineOf(int index) {
        return lines[Objects.checkIndex(index, size)];
    }

    /** The series of point {@code point}: one object for every point of the series that one parse or {@link #of} produced. */
    Series series(int point) {
        return series[point];
    }

    String measurement(int point) {
        return series[point].measurement();
    }

    List<Tag> tags(int point) {
        return series[point].tags();
    }

    long time(int point) {
        return times[point];
    }

    /** The first value of point {@code point}. */
    int firstValue(int point) {
        return point == 0 ? 0 : valueEnds[point - 1];
    }

    /** One past the last value of point {@code point}. */
    int valueEnd(int point) {
        return valueEnds[point];
    }

    /** How many field values the batch has. */
    int values() {
        return size == 0 ? 0 : valueEnds[size - 1];
    }

    String key(int value) {
        return keys[value];
    }

    FieldType type(int value) {
        return types[value];
    }

    /** The 64 bits of value {@code value}: a float's raw bits, an int64, a uint64's bits, 1 or 0 for a boolean; 0 for a string. */
    long bits(int value) {
        return bits[value];
    }

    /** The text of a string value, else null. */
    String string(int value) {
        return strings == null ? null : strings[value];
    }

    private FieldValue value(int v) {
        return switch (types[v]) {
            case FLOAT -> new FieldValue.FloatValue(Double.longBitsToDouble(bits[v]));
            case INTEGER -> new FieldValue.IntegerValue(bits[v]);
            case UNSIGNED -> new FieldValue.UnsignedValue(bits[v]);
            case BOOLEAN -> FieldValue.BooleanValue.of(bits[v] == 1);
            case STRING -> new FieldValue.StringValue(strings[v]);
        };
    }

    /**
     * The type each measurement's fields have in this batch (the first type seen), for checking
     * against what storage already holds: measurement -> field -> type, in first-seen order.
     */
    public Map<String, Map<String, FieldType>> fieldTypes() {
        var types = new LinkedHashMap<String, Map<String, FieldType>>();
        for (int i = 0; i < size; i++) {
            var fields = types.computeIfAbsent(measurement(i), m -> new LinkedHashMap<>());
            for (int v = firstValue(i); v < valueEnd(i); v++) {
                fields.putIfAbsent(keys[v], this.types[v]);
            }
        }
        return types;
    }

    /**
     * Fields that this batch writes with more than one type, one entry per (measurement, field,
     * conflicting type) at its first occurrence, at most {@value #MAX_REPORTED_CONFLICTS}; empty
     * when the batch is consistent. Computed on each call, in one pass over the fields.
     */
    public List<FieldTypeConflict> typeConflicts() {
        record First(FieldType type, int line) {}
        var first = new HashMap<String, Map<String, First>>();
        var conflicts = new ArrayList<FieldTypeConflict>();
        for (int i = 0; i < size; i++) {
            String measurement = measurement(i);
            var fields = first.computeIfAbsent(measurement, m -> new HashMap<>());
            for (int v = firstValue(i); v < valueEnd(i); v++) {
                FieldType type = types[v];
                First seen = fields.putIfAbsent(keys[v], new First(type, lines[i]));
                if (seen != null && seen.type() != type && !reported(conflicts, measurement, keys[v], type)) {
                    if (conflicts.size() == MAX_REPORTED_CONFLICTS) {
                        return List.copyOf(conflicts);
                    }
                    conflicts.add(new FieldTypeConflict(measurement, keys[v], seen.type(), seen.line(), type, lines[i]));
                }
            }
        }
        return List.copyOf(conflicts);
    }

    private static boolean reported(List<FieldTypeConflict> conflicts, String measurement, String field, FieldType type) {
        for (FieldTypeConflict c : conflicts) { // conflicts are rare: a linear scan is fine
            if (c.conflictingType() == type && c.field().equals(field) && c.measurement().equals(measurement)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Fills a batch point by point: {@link #beginPoint}, its fields ({@link #putField}), then
     * {@link #endPoint}; a point not ended (its line failed) is dropped by the next
     * {@code beginPoint}. Sized from a guess of the points and values, growing by doubling past it.
     */
    static final class Builder {
        private int size;
        private Series[] series;
        private long[] times;
        private int[] lines;
        private int[] valueEnds;
        private String[] keys;
        private FieldType[] types;
        private long[] bits;
        private String[] strings;
        private int pointStart; // the first value of the point being built
        private int values; // one past its last value

        Builder(int points, int values) {
            points = Math.max(points, 1);
            values = Math.max(values, 1);
            series = new Series[points];
            times = new long[points];
            lines = new int[points];
            valueEnds = new int[points];
            keys = new String[values];
            types = new FieldType[values];
            bits = new long[values];
        }

        /** Starts a point, dropping the fields of one begun and not ended. */
        void beginPoint() {
            pointStart = size == 0 ? 0 : valueEnds[size - 1];
            values = pointStart;
        }

        /** Adds a field to the point begun; a key it already has keeps its position and takes this value, as 2.x's {@code Fields()} does. */
        void putField(String key, FieldType type, long valueBits, String text) {
            int at = values;
            for (int v = pointStart; v < values; v++) {
                if (keys[v].equals(key)) {
                    at = v;
                    break;
                }
            }
            if (at == keys.length) {
                int capacity = keys.length * 2;
                keys = Arrays.copyOf(keys, capacity);
                types = Arrays.copyOf(types, capacity);
                bits = Arrays.copyOf(bits, capacity);
                strings = strings == null ? null : Arrays.copyOf(strings, capacity);
            }
            if (text != null && strings == null) {
                strings = new String[keys.length];
            }
            keys[at] = key;
            types[at] = type;
            bits[at] = valueBits;
            if (strings != null) {
                strings[at] = text;
            }
            if (at == values) {
                values++;
            }
        }

        /** Ends the point begun: it is of {@code series}, at {@code time}, from line {@code line}. */
        void endPoint(Series pointSeries, long time, int line) {
            if (size == series.length) {
                int capacity = size * 2;
                series = Arrays.copyOf(series, capacity);
                times = Arrays.copyOf(times, capacity);
                lines = Arrays.copyOf(lines, capacity);
                valueEnds = Arrays.copyOf(valueEnds, capacity);
            }
            series[size] = pointSeries;
            times[size] = time;
            lines[size] = line;
            valueEnds[size++] = values;
        }

        /** Drops every point. */
        void clear() {
            size = 0;
            beginPoint();
        }

        Batch build() {
            return new Batch(this);
        }
    }
}
