package io.timestore.server.chunks;

import io.timestore.server.points.FieldType;
import io.timestore.server.points.FieldValue;
import io.timestore.server.points.LastWriteWins;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The layer above the codec: gathers writes of one series in the order they happened (older
 * chunks first, then newer rows), in any timestamp order and with repeated timestamps, and turns
 * them into chunks where each timestamp appears once with the value written last (last write wins).
 */
public final class SeriesMerge {
    private final FieldType type;
    private long[] timestamps = new long[64];
    private long[] bits;
    private String[] strings;
    private int size;

    public SeriesMerge(FieldType type) {
        this.type = Objects.requireNonNull(type, "type");
        if (type == FieldType.STRING) {
            strings = new String[64];
        } else {
            bits = new long[64];
        }
    }

    public FieldType type() {
        return type;
    }

    /** Adds every point of {@code chunk}, as writes older than any added later. */
    public SeriesMerge addAll(ChunkPoints chunk) {
        if (chunk.type() != type) {
            throw new IllegalArgumentException("a " + type + " series cannot take a " + chunk.type() + " chunk");
        }
        for (int i = 0; i < chunk.size(); i++) {
            if (type == FieldType.STRING) {
                add(chunk.timestamps()[i], chunk.strings()[i]);
            } else {
                add(chunk.timestamps()[i], chunk.bits()[i]);
            }
        }
        return this;
    }

    /** Adds one write; it replaces any earlier write of the same timestamp. */
    public SeriesMerge add(long timestamp, FieldValue value) {
        if (type == FieldType.STRING) {
            return add(timestamp, ((FieldValue.StringValue) value).value());
        }
        return add(timestamp, ChunkPoints.bitsOf(type, value));
    }

    /** Adds one write of a non-string series as its 64 bits (see {@link ChunkPoints}). */
    public SeriesMerge add(long timestamp, long valueBits) {
        if (type == FieldType.STRING) {
            throw new IllegalArgumentException("a string series takes strings");
        }
        grow();
        timestamps[size] = timestamp;
        bits[size++] = valueBits;
        return this;
    }

    /** Adds one write of a string series. */
    public SeriesMerge add(long timestamp, String value) {
        if (type != FieldType.STRING) {
            throw new IllegalArgumentException("a " + type + " series takes no strings");
        }
        grow();
        timestamps[size] = timestamp;
        strings[size++] = Objects.requireNonNull(value, "value");
        return this;
    }

    /** How many writes were added (before duplicates are removed). */
    public int writes() {
        return size;
    }

    /**
     * The merged points in chunks of at most {@code maxPoints} (1..{@link ChunkCodec#MAX_POINTS}),
     * ascending and without overlap; empty when nothing was added.
     */
    public List<ChunkPoints> chunks(int maxPoints) {
        if (maxPoints < 1 || maxPoints > ChunkCodec.MAX_POINTS) {
            throw new IllegalArgumentException("maxPoints must be in 1.." + ChunkCodec.MAX_POINTS + ", got " + maxPoints);
        }
        int[] order = LastWriteWins.survivors(timestamps, size);
        var chunks = new ArrayList<ChunkPoints>();
        for (int from = 0; from < order.length; from += maxPoints) {
            int to = Math.min(order.length, from + maxPoints);
            var ts = new long[to - from];
            long[] values = type == FieldType.STRING ? null : new long[to - from];
            String[] texts = type == FieldType.STRING ? new String[to - from] : null;
            for (int i = from; i < to; i++) {
                ts[i - from] = timestamps[order[i]];
                if (values != null) {
                    values[i - from] = bits[order[i]];
                } else {
                    texts[i - from] = strings[order[i]];
                }
            }
            chunks.add(new ChunkPoints(type, ts, values, texts));
        }
        return chunks;
    }

    /**
     * The merged points of a non-string series as two columns: timestamps ascending, each once,
     * with the value written last.
     */
    public Columns columns() {
        if (type == FieldType.STRING) {
            throw new IllegalStateException("a string series has no 64-bit values");
        }
        int[] order = LastWriteWins.survivors(timestamps, size);
        var ts = new long[order.length];
        var values = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            ts[i] = timestamps[order[i]];
            values[i] = bits[order[i]];
        }
        return new Columns(ts, values);
    }

    /** Timestamps (ascending, distinct) and the 64-bit values of the same length (see {@link ChunkPoints}). */
    public record Columns(long[] timestamps, long[] bits) {}

    private void grow() {
        if (size == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, size * 2);
            if (bits != null) {
                bits = Arrays.copyOf(bits, size * 2);
            } else {
                strings = Arrays.copyOf(strings, size * 2);
            }
        }
    }
}
