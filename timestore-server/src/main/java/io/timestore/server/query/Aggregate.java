package io.timestore.server.query;

import io.timestore.server.points.FieldType;
import java.util.Locale;
import java.util.Optional;

/** The {@code agg} of an aggregate query, with the SQL that computes it over one series' values. */
enum Aggregate {
    AVG(true), MIN(true), MAX(true), SUM(true), COUNT(false), FIRST(false), LAST(false);

    private final boolean numericOnly;

    Aggregate(boolean numericOnly) {
        this.numericOnly = numericOnly;
    }

    static Optional<Aggregate> find(String name) {
        for (var aggregate : values()) {
            if (aggregate.name().toLowerCase(Locale.ROOT).equals(name)) {
                return Optional.of(aggregate);
            }
        }
        return Optional.empty();
    }

    /** Whether only float, integer and unsigned series can be aggregated this way (others are left out). */
    boolean numericOnly() {
        return numericOnly;
    }

    /** The SQL aggregate of {@code value} (an expression over points p). */
    String sql(String value) {
        return switch (this) {
            case AVG -> "avg(" + value + ")::float8";
            case MIN -> "min(" + value + ")";
            case MAX -> "max(" + value + ")";
            case SUM -> "sum(" + value + ")";
            case COUNT -> "count(*)";
            case FIRST -> "(array_agg(" + value + " ORDER BY p.ts_ns))[1]";
            case LAST -> "(array_agg(" + value + " ORDER BY p.ts_ns DESC))[1]";
        };
    }

    /** The type of the aggregated values of a series of {@code type}. */
    FieldType resultType(FieldType type) {
        return switch (this) {
            case AVG -> FieldType.FLOAT;
            case COUNT -> FieldType.INTEGER;
            default -> type;
        };
    }
}
