package io.timestore.server.query;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One series' windows as an aggregate's cursor gives them: each window's start and value, in the
 * order they came, and whether that order was strictly ascending. Kept as arrays so that the
 * common answer (windows without a value left out, no transform) is written straight from them,
 * without a map of boxed windows and a sorted copy per series (docs/data-plane.md, "How an
 * aggregate is evaluated").
 */
final class SeriesWindows {
    private long[] starts = new long[64];
    private Object[] values = new Object[64];
    private int size;
    private boolean ascending = true;

    void add(long start, Object value) {
        if (size == starts.length) {
            starts = Arrays.copyOf(starts, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        if (size > 0 && start <= starts[size - 1]) {
            ascending = false;
        }
        starts[size] = start;
        values[size++] = value;
    }

    int size() {
        return size;
    }

    long start(int index) {
        return starts[index];
    }

    Object value(int index) {
        return values[index];
    }

    /** Whether each window started after the one before it: no window twice, and in time order. */
    boolean ascending() {
        return ascending;
    }

    /** The windows by start, a later value of a start repeated winning (as the cursor's rows were read before). */
    Map<Long, Object> asMap() {
        var map = HashMap.<Long, Object>newHashMap(size);
        for (int i = 0; i < size; i++) {
            map.put(starts[i], values[i]);
        }
        return map;
    }
}
