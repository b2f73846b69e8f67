package io.timestore.server.query;

import io.timestore.server.points.FieldType;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code agg} of an aggregate query, with the SQL that computes it over one series' values.
 * The native route's {@code agg} and InfluxQL ({@link InfluxQlSelect}) name them all the same way
 * ({@code mean} for {@link #AVG}; the native route also keeps {@code avg}).
 */
enum Aggregate {
    AVG(true), MIN(true), MAX(true), SUM(true), COUNT(false), FIRST(false), LAST(false),
    MEDIAN(true), SPREAD(true), STDDEV(true), MODE(false), PERCENTILE(true);

    private final boolean numericOnly;

    Aggregate(boolean numericOnly) {
        this.numericOnly = numericOnly;
    }

    /** The names the native route's {@code agg} takes, as its error message lists them. */
    static final String NAMES = "avg (or mean), median, min, max, sum, count, first, last, spread, stddev, mode, percentile";

    /** The aggregate the native route's {@code agg} names: {@code avg} or any InfluxQL name. */
    static Optional<Aggregate> find(String name) {
        return name.equals("avg") ? Optional.of(AVG) : influxQl(name);
    }

    /** Whether only float, integer and unsigned series can be aggregated this way (others are left out). */
    boolean numericOnly() {
        return numericOnly;
    }

    /** The aggregate an InfluxQL function names ({@code mean}, {@code median}, ...), if any. */
    static Optional<Aggregate> influxQl(String function) {
        if (function.equals("mean")) {
            return Optional.of(AVG);
        }
        for (var aggregate : values()) {
            if (aggregate != AVG && aggregate.name().toLowerCase(Locale.ROOT).equals(function)) {
                return Optional.of(aggregate);
            }
        }
        return Optional.empty();
    }

    /** Whether the SQL of {@link #sql} has one {@code ?}: the percentile, bound as a float8. */
    boolean takesArgument() {
        return this == PERCENTILE;
    }

    /**
     * The SQL aggregate of {@code value} (an expression over points p). InfluxDB's percentile is
     * the nearest rank: the value at 1-based position floor(count * N / 100 + 0.5) of the sorted
     * values, none when that is 0.
     */
    String sql(String value) {
        return switch (this) {
            case AVG -> "avg(" + value + ")::float8";
            case MIN -> "min(" + value + ")";
            case MAX -> "max(" + value + ")";
            case SUM -> "sum(" + value + ")";
            case COUNT -> "count(*)";
            case FIRST -> "(array_agg(" + value + " ORDER BY p.ts_ns))[1]";
            case LAST -> "(array_agg(" + value + " ORDER BY p.ts_ns DESC))[1]";
            case MEDIAN -> "percentile_cont(0.5) WITHIN GROUP (ORDER BY (" + value + ")::float8)";
            case SPREAD -> "(max(" + value + ") - min(" + value + "))";
            case STDDEV -> "stddev_samp((" + value + ")::float8)";
            case MODE -> "mode() WITHIN GROUP (ORDER BY " + value + ")";
            case PERCENTILE -> "(array_agg(" + value + " ORDER BY " + value + "))[floor(count(*) * ?::float8 / 100.0 + 0.5)::int]";
        };
    }

    /**
     * For a selector (first, last, min, max, percentile), the SQL of the time of the point it
     * selects (the earliest among equal values), with the same {@code ?} as {@link #sql}.
     */
    Optional<String> selectedTimeSql(String value) {
        return Optional.ofNullable(switch (this) {
            case FIRST -> "(array_agg(p.ts_ns ORDER BY p.ts_ns))[1]";
            case LAST -> "(array_agg(p.ts_ns ORDER BY p.ts_ns DESC))[1]";
            case MIN -> "(array_agg(p.ts_ns ORDER BY " + value + ", p.ts_ns))[1]";
            case MAX -> "(array_agg(p.ts_ns ORDER BY " + value + " DESC, p.ts_ns))[1]";
            case PERCENTILE -> "(array_agg(p.ts_ns ORDER BY " + value + ", p.ts_ns))[floor(count(*) * ?::float8 / 100.0 + 0.5)::int]";
            default -> null;
        });
    }

    /** The type of the aggregated values of a series of {@code type}. */
    FieldType resultType(FieldType type) {
        return switch (this) {
            case AVG, MEDIAN, STDDEV -> FieldType.FLOAT;
            case COUNT -> FieldType.INTEGER;
            default -> type;
        };
    }
}
