package io.timestore.server.query;

import io.timestore.security.TenantId;
import io.timestore.server.points.FieldType;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Whole chunks an aggregate reads through their summary columns (V37: {@code point_count},
 * {@code min_*}, {@code max_*}, {@code sum_*}, {@code first_*}, {@code last_*}) instead of their
 * points: a chunk lying wholly in the read's range and in one of its windows, none of whose times
 * has a hot row (a hot row would replace one of its points; {@link ColdPoints#probe}).
 *
 * <p>The aggregate's statement then runs in two steps: a <em>partial</em> aggregate per window
 * over the merged points (hot rows and the points of the other chunks), {@code UNION ALL} one
 * partial row per summarized chunk read from {@code point_chunks} by its key, and a final
 * aggregate per window that combines them. Only aggregates whose partials combine exactly are
 * taken: count, sum, min, max, spread, first, last and mean (sum and count; an integer mean is
 * the same exact numeric division as {@code avg}), of float, integer and unsigned series (count
 * of any series). Percentiles, median, mode and stddev, local-day windows and InfluxQL selectors
 * that also return the selected point's time read points, as before. A float sum adds the same
 * values in another order, so a float {@code sum} or {@code mean} may differ in its last digit
 * (as between two plans of one statement).
 */
final class ChunkSummaries {
    // The summarized chunks, by key, with the window each one lies in (computed here as WINDOW does).
    private static final String SUMMARY_ROWS = """
            SELECT x.bucket, %s %s
            FROM unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS x (series_id, min_ts, bucket)
            JOIN point_chunks c ON c.tenant_id = ? AND c.dataset_id = ? AND c.series_id = x.series_id AND c.min_ts = x.min_ts""";
    private static final String COMBINED = """
            SELECT g.bucket, %s %s
            FROM ((%s) UNION ALL (%s)) g
            GROUP BY %s ORDER BY %s
            """;

    private final Aggregate aggregate;
    private final FieldType type;
    private final long stepNanos;
    private int size;
    private long[] series = new long[16];
    private long[] minTimes = new long[16];
    private long[] buckets = new long[16];

    private ChunkSummaries(Aggregate aggregate, FieldType type, long stepNanos) {
        this.aggregate = aggregate;
        this.type = type;
        this.stepNanos = stepNanos;
    }

    /**
     * For {@code aggregate} over series of {@code type} in windows of {@code stepNanos} aligned to
     * the epoch (0: one window over the whole range), when summaries can stand for whole chunks.
     */
    static Optional<ChunkSummaries> of(Aggregate aggregate, FieldType type, long stepNanos) {
        boolean numeric = type == FieldType.FLOAT || type == FieldType.INTEGER || type == FieldType.UNSIGNED;
        boolean combines = switch (aggregate) {
            case COUNT -> true;
            case AVG, SUM, MIN, MAX, SPREAD, FIRST, LAST -> numeric;
            case MEDIAN, STDDEV, MODE, PERCENTILE -> false;
        };
        return combines ? Optional.of(new ChunkSummaries(aggregate, type, stepNanos)) : Optional.empty();
    }

    /** The window a time lies in, as {@code QueryStore}'s WINDOW computes it (0 when one window covers the range). */
    long window(long time) {
        return window(time, stepNanos);
    }

    /** The window of {@code stepNanos} (0: one window, 0) that {@code time} lies in, as WINDOW computes it. */
    static long window(long time, long stepNanos) {
        if (stepNanos == 0) {
            return 0;
        }
        long first = Long.MIN_VALUE / stepNanos * stepNanos;
        return time < first ? Long.MIN_VALUE : time - Math.floorMod(time, stepNanos);
    }

    /** Takes the chunk of {@code seriesId} from {@code minTs} to {@code maxTs} (wholly in the range) if it lies in one window. */
    boolean take(long seriesId, long minTs, long maxTs) {
        long bucket = window(minTs);
        if (bucket != window(maxTs)) {
            return false;
        }
        if (size == series.length) {
            series = Arrays.copyOf(series, size * 2);
            minTimes = Arrays.copyOf(minTimes, size * 2);
            buckets = Arrays.copyOf(buckets, size * 2);
        }
        series[size] = seriesId;
        minTimes[size] = minTs;
        buckets[size] = bucket;
        size++;
        return true;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The partial aggregate over the points, the two columns {@code a} and {@code a2}, of {@code value} (an expression over p). */
    String partialSql(String value) {
        return switch (aggregate) {
            case COUNT -> "count(*) AS a, NULL::bigint AS a2";
            case SUM -> "sum(" + value + ") AS a, NULL::bigint AS a2";
            case MIN -> "min(" + value + ") AS a, NULL::bigint AS a2";
            case MAX -> "max(" + value + ") AS a, NULL::bigint AS a2";
            case SPREAD -> "min(" + value + ") AS a, max(" + value + ") AS a2";
            case FIRST -> "(array_agg(" + value + " ORDER BY p.ts_ns))[1] AS a, min(p.ts_ns) AS a2";
            case LAST -> "(array_agg(" + value + " ORDER BY p.ts_ns DESC))[1] AS a, max(p.ts_ns) AS a2";
            case AVG -> "sum(" + value + ") AS a, count(*) AS a2";
            default -> throw new IllegalStateException(aggregate + " has no partial form");
        };
    }

    /** The same partial from a chunk's summary columns (c). */
    private String chunkSql() {
        return switch (aggregate) {
            case COUNT -> "c.point_count::bigint, NULL::bigint";
            case SUM -> column("sum", false) + ", NULL::bigint";
            case MIN -> column("min", true) + ", NULL::bigint";
            case MAX -> column("max", true) + ", NULL::bigint";
            case SPREAD -> column("min", true) + ", " + column("max", true);
            case FIRST -> column("first", true) + ", c.min_ts";
            case LAST -> column("last", true) + ", c.max_ts";
            case AVG -> column("sum", false) + ", c.point_count::bigint";
            default -> throw new IllegalStateException(aggregate + " has no partial form");
        };
    }

    /** A summary column of the series' type: an integer's value as bigint, as {@code p.i} is ({@code asValue}); sums stay numeric. */
    private String column(String name, boolean asValue) {
        return switch (type) {
            case FLOAT -> "c." + name + "_f";
            case INTEGER -> "c." + name + "_n" + (asValue ? "::bigint" : "");
            default -> "c." + name + "_n";
        };
    }

    /** The final aggregate over the partial rows g: the same value and type the aggregate gives over the points. */
    private String combinedSql() {
        return switch (aggregate) {
            case COUNT -> "sum(g.a)::bigint";
            case SUM -> "sum(g.a)";
            case MIN -> "min(g.a)";
            case MAX -> "max(g.a)";
            case SPREAD -> "(max(g.a2) - min(g.a))";
            case FIRST -> "(array_agg(g.a ORDER BY g.a2))[1]";
            case LAST -> "(array_agg(g.a ORDER BY g.a2 DESC))[1]";
            // avg(float8) divides its float sum by the count; avg(int8) and avg(numeric) divide the exact sum as numeric.
            case AVG -> type == FieldType.FLOAT ? "(sum(g.a) / sum(g.a2)::float8)" : "(sum(g.a) / sum(g.a2))::float8";
            default -> throw new IllegalStateException(aggregate + " has no partial form");
        };
    }

    /**
     * The aggregate statement combining {@code partial} (the statement over points p, its value
     * columns {@link #partialSql}, rows of bucket, a, a2 and, {@code perSeries}, series_id) with
     * the summarized chunks; its parameters: those of {@code partial}, then {@link #bind}'s.
     */
    String combined(String partial, boolean perSeries) {
        var series = perSeries ? ", g.series_id" : "";
        var keys = perSeries ? "g.series_id, g.bucket" : "g.bucket";
        return COMBINED.formatted(combinedSql(), series, partial.strip(), SUMMARY_ROWS.formatted(chunkSql(), perSeries ? ", c.series_id" : ""),
                keys, keys);
    }

    /** Binds the parameters {@link #combined} added after the partial statement's, from {@code first}; the next index. */
    int bind(PreparedStatement statement, int first, TenantId tenant, String dataset) throws SQLException {
        statement.setObject(first, Arrays.copyOf(series, size));
        statement.setObject(first + 1, Arrays.copyOf(minTimes, size));
        statement.setObject(first + 2, Arrays.copyOf(buckets, size));
        statement.setString(first + 3, tenant.value());
        statement.setString(first + 4, dataset);
        return first + 5;
    }
}
