package io.timestore.server.influxql;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/** One parsed InfluxQL statement. */
public sealed interface Statement {
    /** A measurement named in FROM, optionally qualified by database and retention policy. */
    record Source(Optional<String> database, Optional<String> retentionPolicy, String measurement) {
        public Source {
            Objects.requireNonNull(database, "database");
            Objects.requireNonNull(retentionPolicy, "retentionPolicy");
            Objects.requireNonNull(measurement, "measurement");
        }
    }

    /** One column of a select list, with its {@code AS} alias. */
    record Column(Expr expr, Optional<String> alias) {}

    /** {@code GROUP BY time(interval[, offset]), tags...}; {@code allTags} for {@code GROUP BY *}. */
    record GroupBy(OptionalLong intervalNanos, long offsetNanos, List<String> tags, boolean allTags) {
        public GroupBy {
            tags = List.copyOf(tags);
        }

        static final GroupBy NONE = new GroupBy(OptionalLong.empty(), 0, List.of(), false);
    }

    /** {@code fill(...)}: the value of an empty time window. */
    sealed interface Fill {
        record Null() implements Fill {}

        record None() implements Fill {}

        record Previous() implements Fill {}

        record Linear() implements Fill {}

        record Value(Number value) implements Fill {}
    }

    /** A page of rows or series: {@code LIMIT}/{@code OFFSET} and {@code SLIMIT}/{@code SOFFSET}. */
    record Page(OptionalLong limit, long offset, OptionalLong seriesLimit, long seriesOffset) {}

    record Select(List<Column> columns, Source from, Optional<Expr> condition, GroupBy groupBy, Fill fill, boolean descending,
                  Page page, Optional<String> timeZone) implements Statement {
        public Select {
            columns = List.copyOf(columns);
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(condition, "condition");
            Objects.requireNonNull(groupBy, "groupBy");
            Objects.requireNonNull(fill, "fill");
            Objects.requireNonNull(page, "page");
            Objects.requireNonNull(timeZone, "timeZone");
        }
    }

    record ShowDatabases() implements Statement {}

    /** {@code SHOW RETENTION POLICIES [ON db]}. */
    record ShowRetentionPolicies(Optional<String> database) implements Statement {}

    /** {@code SHOW MEASUREMENTS [ON db] [WITH MEASUREMENT =~ /re/ | = 'm'] [WHERE ...] [LIMIT n] [OFFSET n]}. */
    record ShowMeasurements(Optional<String> database, Optional<Expr> measurement, Optional<Expr> condition, Page page)
            implements Statement {}

    /** {@code SHOW TAG KEYS [ON db] [FROM m] [WHERE ...] [LIMIT n]}. */
    record ShowTagKeys(Optional<String> database, Optional<Source> from, Optional<Expr> condition, Page page) implements Statement {}

    /**
     * {@code SHOW TAG VALUES [ON db] [FROM m] WITH KEY = "k" | != | =~ /re/ | !~ | IN ("a", "b") [WHERE ...] [LIMIT n]};
     * {@code key} is the condition on the key as a {@link Expr.Binary} over {@code VarRef("_tagKey")}, or a list for IN.
     */
    record ShowTagValues(Optional<String> database, Optional<Source> from, Expr key, Optional<Expr> condition, Page page)
            implements Statement {}

    /** {@code SHOW SERIES [ON db] [FROM m] [WHERE ...] [LIMIT n] [OFFSET n]}. */
    record ShowSeries(Optional<String> database, Optional<Source> from, Optional<Expr> condition, Page page) implements Statement {}

    /** {@code SHOW FIELD KEYS [ON db] [FROM m] [LIMIT n]}. */
    record ShowFieldKeys(Optional<String> database, Optional<Source> from, Page page) implements Statement {}

    /**
     * A statement Timestore refuses to run: it would change data or metadata ({@code DROP},
     * {@code DELETE}, {@code CREATE}, {@code ALTER}, {@code GRANT}, {@code REVOKE}, {@code SET},
     * {@code KILL}, {@code SELECT ... INTO}); {@code kind} names it.
     */
    record Refused(String kind) implements Statement {}

    /** The database the statement names itself ({@code ON db} or {@code FROM db.rp.m}), if any. */
    default Optional<String> database() {
        return switch (this) {
            case Select select -> select.from().database();
            case ShowRetentionPolicies show -> show.database();
            case ShowMeasurements show -> show.database();
            case ShowTagKeys show -> show.database().or(() -> show.from().flatMap(Source::database));
            case ShowTagValues show -> show.database().or(() -> show.from().flatMap(Source::database));
            case ShowFieldKeys show -> show.database().or(() -> show.from().flatMap(Source::database));
            case ShowSeries show -> show.database().or(() -> show.from().flatMap(Source::database));
            case ShowDatabases show -> Optional.empty();
            case Refused refused -> Optional.empty();
        };
    }
}
