package io.timestore.server.query;

import io.timestore.server.http.CursorScope;
import io.timestore.server.influxql.Statement.Fill;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One {@code GET .../query}, parsed and validated by {@link QueryRoutes} before any transaction:
 * the dataset, the series filter, the requested time range, the output, and either a page of raw
 * points or aggregates per step. {@link QueryService} authorizes the dataset and runs it.
 */
record PointsQuery(ReadTarget target, SeriesFilter filter, RequestedRange range, QueryFormat format, boolean epochNanos,
                   Shape shape) {
    PointsQuery {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(shape, "shape");
    }

    /** The kind of query, as its timer names it. */
    String kind() {
        return shape instanceof Aggregation ? "aggregate" : "raw";
    }

    private static final long NANOS_PER_DAY = 86_400_000_000_000L;

    /** [start, end) as requested (start before end), and the time of the request, in nanoseconds. */
    record RequestedRange(long start, long end, long now) {
        RequestedRange {
            if (start >= end) {
                throw new InvalidRequest("start must be before end", List.of(FieldError.at("/start", "not before end")));
            }
        }

        /** The range to read: start raised to the dataset's retention horizon (empty when all of it is older). */
        QueryStore.TimeRange within(OptionalInt retentionDays) {
            long from = retentionDays.isPresent() ? Math.max(start, now - retentionDays.getAsInt() * NANOS_PER_DAY) : start;
            return new QueryStore.TimeRange(from, Math.max(from, end));
        }
    }

    /** Raw points or aggregates. */
    sealed interface Shape permits RawPage, Aggregation {}

    /**
     * A page of raw points: at most {@code limit}, after {@code after} (from the request's cursor),
     * with the next page's cursor bound to {@code scope}.
     */
    record RawPage(int limit, QueryService.Position after, CursorScope scope) implements Shape {
        RawPage {
            Objects.requireNonNull(after, "after");
            Objects.requireNonNull(scope, "scope");
        }
    }

    /**
     * Aggregates per window ({@code windows}: of the step, {@code stepText} as the request wrote it,
     * or local days with {@code tz}): {@code argument} is the percentile
     * ({@link Aggregate#takesArgument()}); {@code groupBy}, when present, the tags whose values
     * group series of one measurement and field into one aggregate (absent: each series alone);
     * {@code fill} what empty windows give; {@code transform} what InfluxQL's derivative,
     * difference or moving_average over the aggregate makes of the windows with values.
     */
    record Aggregation(Windows windows, String stepText, Aggregate aggregate, double argument, Optional<List<String>> groupBy, Fill fill,
                       Optional<InfluxQlTransform> transform) implements Shape {
        Aggregation {
            Objects.requireNonNull(transform, "transform");
            Objects.requireNonNull(windows, "windows");
            Objects.requireNonNull(stepText, "stepText");
            Objects.requireNonNull(aggregate, "aggregate");
            groupBy = groupBy.map(List::copyOf);
            Objects.requireNonNull(fill, "fill");
        }

        long stepNanos() {
            return windows.stepNanos();
        }
    }
}
