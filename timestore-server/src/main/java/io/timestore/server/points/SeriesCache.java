package io.timestore.server.points;

import java.util.Arrays;
import java.util.List;

/**
 * The series (measurement and sorted tags) of recently seen series keys, keyed by the raw bytes of
 * the key as written on the line. Points of a batch mostly belong to few series, so a hit skips
 * unescaping, String building, sorting and duplicate checks and lets those points share one tag
 * list. Direct-mapped with a fixed number of slots and a cap on key length: bounded memory, and
 * lives only for one parse call. Not thread-safe.
 */
final class SeriesCache {
    record Series(String measurement, List<Tag> tags) {}

    private static final int SLOTS = 256;
    private static final int MAX_KEY_BYTES = 1024;

    private final byte[][] keys = new byte[SLOTS][];
    private final Series[] series = new Series[SLOTS];
    private int lastSlot = -1;

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
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
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
