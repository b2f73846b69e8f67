package io.timestore.server.chunks;

import io.timestore.server.points.FieldType;
import io.timestore.server.points.FieldValue;
import java.util.Arrays;
import java.util.Objects;

/**
 * The points of one series that one chunk holds, as columns: timestamps strictly ascending (one
 * value per timestamp: duplicates and order are the business of the layer above, see
 * {@link SeriesMerge}), and the values as 64 bits each ({@code double} raw bits for floats, the
 * int64 or uint64 bits, 0 or 1 for booleans) or, for string series, as strings.
 *
 * <p>The arrays are the caller's: neither copied nor to be changed after construction.
 *
 * @param type       the series' field type
 * @param timestamps int64 nanoseconds, strictly ascending, 1 to {@link ChunkCodec#MAX_POINTS}
 * @param bits       the values of a non-string series (same length as {@code timestamps}), else null
 * @param strings    the values of a string series (same length, no null), else null
 */
public record ChunkPoints(FieldType type, long[] timestamps, long[] bits, String[] strings) {
    public ChunkPoints {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timestamps, "timestamps");
        int n = timestamps.length;
        if (n < 1 || n > ChunkCodec.MAX_POINTS) {
            throw new IllegalArgumentException("a chunk holds 1 to " + ChunkCodec.MAX_POINTS + " points, got " + n);
        }
        for (int i = 1; i < n; i++) {
            if (timestamps[i] <= timestamps[i - 1]) {
                throw new IllegalArgumentException("timestamps must be strictly ascending: " + timestamps[i - 1]
                        + " then " + timestamps[i] + " at index " + i);
            }
        }
        if (type == FieldType.STRING) {
            if (bits != null || strings == null || strings.length != n) {
                throw new IllegalArgumentException("a string chunk needs " + n + " strings and no bits");
            }
            for (var s : strings) {
                Objects.requireNonNull(s, "string value");
            }
        } else {
            if (strings != null || bits == null || bits.length != n) {
                throw new IllegalArgumentException("a " + type + " chunk needs " + n + " values and no strings");
            }
            if (type == FieldType.BOOLEAN) {
                for (long b : bits) {
                    if (b != 0 && b != 1) {
                        throw new IllegalArgumentException("a boolean value is 0 or 1, got " + b);
                    }
                }
            }
        }
    }

    /** Points of a series of {@code type} from their values (which must all be of that type). */
    public static ChunkPoints of(FieldType type, long[] timestamps, FieldValue[] values) {
        if (type == FieldType.STRING) {
            var strings = new String[values.length];
            for (int i = 0; i < values.length; i++) {
                strings[i] = ((FieldValue.StringValue) values[i]).value();
            }
            return new ChunkPoints(type, timestamps, null, strings);
        }
        var bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = bitsOf(type, values[i]);
        }
        return new ChunkPoints(type, timestamps, bits, null);
    }

    public int size() {
        return timestamps.length;
    }

    public long firstTimestamp() {
        return timestamps[0];
    }

    public long lastTimestamp() {
        return timestamps[timestamps.length - 1];
    }

    /** The value of point {@code i} with the series' type. */
    public FieldValue value(int i) {
        return switch (type) {
            case FLOAT -> new FieldValue.FloatValue(Double.longBitsToDouble(bits[i]));
            case INTEGER -> new FieldValue.IntegerValue(bits[i]);
            case UNSIGNED -> new FieldValue.UnsignedValue(bits[i]);
            case BOOLEAN -> FieldValue.BooleanValue.of(bits[i] == 1);
            case STRING -> new FieldValue.StringValue(strings[i]);
        };
    }

    static long bitsOf(FieldType type, FieldValue value) {
        if (value.type() != type) {
            throw new IllegalArgumentException("a " + type + " series cannot hold a " + value.type() + " value");
        }
        return switch (value) {
            case FieldValue.FloatValue f -> Double.doubleToRawLongBits(f.value());
            case FieldValue.IntegerValue i -> i.value();
            case FieldValue.UnsignedValue u -> u.bits();
            case FieldValue.BooleanValue b -> b.value() ? 1 : 0;
            case FieldValue.StringValue s -> throw new IllegalArgumentException("strings have no bits: " + s.type());
        };
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ChunkPoints that && type == that.type && Arrays.equals(timestamps, that.timestamps)
                && Arrays.equals(bits, that.bits) && Arrays.equals(strings, that.strings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, Arrays.hashCode(timestamps), Arrays.hashCode(bits), Arrays.hashCode(strings));
    }

    @Override
    public String toString() {
        return "ChunkPoints[" + type + ", " + size() + " points, " + firstTimestamp() + ".." + lastTimestamp() + "]";
    }
}
