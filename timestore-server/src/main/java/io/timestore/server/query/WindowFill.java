package io.timestore.server.query;

import io.timestore.server.influxql.Statement.Fill;
import io.timestore.server.problems.InvalidRequest;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The windows of an aggregate query, each column's empty windows filled as {@code fill} says: one
 * implementation for InfluxQL's {@code GROUP BY time(...) fill(...)} and the native route's
 * {@code step} with {@code fill}.
 */
final class WindowFill {
    private WindowFill() {}

    /**
     * One row per window from {@code first} (a multiple of {@code step}) while it starts before
     * {@code end}: time, then each column's value in that window or its fill; with
     * {@code fill(none)} windows without any value are left out (and only those with one are
     * visited). 400 when other fills would list more than {@code maxPoints} windows.
     */
    static List<List<Object>> windows(List<Map<Long, Object>> columns, long first, long end, Windows step, Fill fill, int maxPoints) {
        if (fill instanceof Fill.None) {
            return known(columns, first, end);
        }
        var starts = new ArrayList<Long>();
        for (long window = first; window < end; window = step.next(window)) {
            if (starts.size() == maxPoints) {
                throw new InvalidRequest("more than %d windows of %dns from start to end exceed the limit of %d points per query; use a larger interval"
                        .formatted(maxPoints, step.stepNanos(), maxPoints));
            }
            starts.add(window);
            if (window > Long.MAX_VALUE - step.stepNanos()) {
                break;
            }
        }
        var rows = new ArrayList<List<Object>>();
        var previous = new Object[columns.size()];
        // Only fill(linear) looks for the nearest known windows; the other fills need no sorted copy.
        var known = new ArrayList<java.util.TreeMap<Long, Object>>();
        if (fill instanceof Fill.Linear) {
            for (var column : columns) {
                var sorted = new java.util.TreeMap<Long, Object>();
                column.forEach((bucket, value) -> {
                    if (value != null) {
                        sorted.put(bucket, value);
                    }
                });
                known.add(sorted);
            }
        }
        for (long window : starts) {
            var row = new ArrayList<Object>();
            row.add(window);
            boolean any = false;
            for (int c = 0; c < columns.size(); c++) {
                var value = columns.get(c).get(window);
                if (value != null) {
                    any = true;
                    previous[c] = value;
                    row.add(value);
                } else {
                    row.add(switch (fill) {
                        case Fill.Previous p -> previous[c];
                        case Fill.Value v -> v.value();
                        case Fill.Linear l -> linear(known.get(c), window);
                        default -> null;
                    });
                }
            }
            if (any || !(fill instanceof Fill.None)) {
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * fill(none): the windows in [first, end) where some column has a value, in order. Sorted as
     * primitives: with a TreeSet of boxed windows this step took about 0.22 ms of a warm
     * 1,440-window aggregate, now about 0.09 ms (docs/benchmarks.md, 2026-12-04 afternoon).
     */
    private static List<List<Object>> known(List<Map<Long, Object>> columns, long first, long end) {
        var windows = new long[columns.stream().mapToInt(Map::size).sum()];
        int count = 0;
        for (var column : columns) {
            for (var entry : column.entrySet()) {
                long window = entry.getKey();
                if (entry.getValue() != null && window >= first && window < end) {
                    windows[count++] = window;
                }
            }
        }
        Arrays.sort(windows, 0, count);
        var rows = new ArrayList<List<Object>>(count);
        for (int i = 0; i < count; i++) {
            long window = windows[i];
            if (i > 0 && window == windows[i - 1]) {
                continue;
            }
            var row = new ArrayList<Object>(columns.size() + 1);
            row.add(window);
            columns.forEach(column -> row.add(column.get(window)));
            rows.add(row);
        }
        return rows;
    }

    /** The value on the line between the nearest windows before and after {@code window} that have one; null at the edges. */
    private static Object linear(java.util.TreeMap<Long, Object> known, long window) {
        var before = known.lowerEntry(window);
        var after = known.higherEntry(window);
        if (before == null || after == null || !(before.getValue() instanceof Number b) || !(after.getValue() instanceof Number a)) {
            return null;
        }
        double y1 = b.doubleValue();
        double y2 = a.doubleValue();
        double value = y1 + (y2 - y1) * (window - before.getKey()) / (double) (after.getKey() - before.getKey());
        if (b instanceof Long && a instanceof Long) {
            return (long) value;
        }
        return b instanceof BigDecimal || a instanceof BigDecimal ? BigDecimal.valueOf(value) : value;
    }
}
