package io.timestore.server.ingest;

import io.timestore.server.points.Tag;
import java.util.Arrays;
import java.util.List;

/**
 * The series (measurement and sorted tags) of recently seen series keys, keyed by the raw bytes of
 * the key as written on the line. Points of a batch mostly belong to few series, so a hit skips
 * unescaping, String building, sorting and duplicate checks and lets those points share one tag
 * list. Direct-mapped, with slots sized to the body (at most 4,096) and a cap on key length:
 * bounded memory, and lives only for one parse call. Not thread-safe.
 *
 * <p>Why 4,096: a 5,000-line batch interleaving 1,000 series missed on nearly every line with 256
 * slots. With 4,096, the JVM's CPU per 1,000 ingested points fell from 4.0-4.8 ms to 3.7-4.3 ms in
 * three alternating pairs of runs (docs/benchmarks.md).
 */
final class SeriesCache {
    record Series(String measurement, List<Tag> tags) {}

    private static final int MIN_SLOTS = 16;
    private static final int MAX_SLOTS = 4_096;
    // No line is shorter than this many bytes on average in any real batch; fewer slots than
    // lines would only evict.
    private static final int BYTES_PER_SLOT = 16;
    private static final int MAX_KEY_BYTES = 1024;

    private final byte[][] keys;
    private final Series[] series;
    private final int mask;
    private int lastSlot = -1;

    /** A cache for a body of {@code bodyBytes}: a power of two between 16 and 4,096 slots. */
    static SeriesCache forBody(int bodyBytes) {
        int slots = Math.clamp(Integer.highestOneBit(Math.max(1, bodyBytes / BYTES_PER_SLOT)), MIN_SLOTS, MAX_SLOTS);
        return new SeriesCache(slots);
    }

    private SeriesCache(int slots) {
        this.keys = new byte[slots][];
        this.series = new Series[slots];
        this.mask = slots - 1;
    }

    /** The cached series of key {@code b[start, end)}, or null. */
    Series find(byte[] b, int start, int end) {
        if (end - start > MAX_KEY_BYTES) {
            lastSlot = -1;
            return null;
        }
        int hash = 0;
        for (int i = start; i < end; i++) {
            hash = 31 * hash + b[i];
        }
        int slot = (hash ^ (hash >>> 16)) & mask;
        byte[] key = keys[slot];
        lastSlot = slot;
        return key != null && Arrays.equals(key, 0, key.length, b, start, end) ? series[slot] : null;
    }

    /** Remembers {@code value} for the key last passed to {@link #find}. */
    void put(byte[] b, int start, int end, Series value) {
        if (lastSlot >= 0) {
            keys[lastSlot] = Arrays.copyOfRange(b, start, end);
            series[lastSlot] = value;
        }
    }
}
