package io.timestore.server.points;

import java.util.Arrays;

/**
 * The rule for several writes of one series at one time: the last written wins. Used where a
 * series' writes are folded, a write's batch row ({@code ingest.SeriesBatches}) and a chunk's
 * merge of older and newer points ({@code chunks.SeriesMerge}).
 */
public final class LastWriteWins {
    private LastWriteWins() {}

    /**
     * The indexes of the writes that survive among the first {@code size} of {@code times} (in
     * write order), by ascending time: a stable sort by time keeps equal times in write order, and
     * the last of each run of equal times is kept. Writes already in ascending time order (the
     * usual case) are kept as they are, without sorting.
     */
    public static int[] survivors(long[] times, int size) {
        if (ascending(times, size)) {
            var all = new int[size];
            Arrays.setAll(all, i -> i);
            return all;
        }
        var order = new Integer[size];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Long.compare(times[a], times[b]));
        var kept = new int[size];
        int count = 0;
        for (int i = 0; i < size; i++) {
            if (i + 1 < size && times[order[i + 1]] == times[order[i]]) {
                continue;
            }
            kept[count++] = order[i];
        }
        return Arrays.copyOf(kept, count);
    }

    private static boolean ascending(long[] times, int size) {
        for (int i = 1; i < size; i++) {
            if (times[i] <= times[i - 1]) {
                return false;
            }
        }
        return true;
    }
}
