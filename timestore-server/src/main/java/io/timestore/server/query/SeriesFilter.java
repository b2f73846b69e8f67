package io.timestore.server.query;

import io.timestore.server.http.CursorScope;
import io.timestore.server.influxql.Expr;
import io.timestore.server.points.Tag;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which series a query selects, the one filter model of the native query route and InfluxQL:
 * measurement, field and tag equalities (each optional; found through the series index in SQL),
 * a condition on tags beyond them ({@code !=}, regular expressions, OR: an InfluxQL condition
 * tree, checked per series in Java by {@link InfluxQlConditions}), and, once the condition has
 * been checked, the ids of the series that satisfy it ({@code seriesIds}, bound in SQL).
 */
record SeriesFilter(Optional<String> measurement, Optional<String> field, Map<String, String> tags, Optional<Expr> condition,
                    Optional<List<Long>> seriesIds) {
    SeriesFilter {
        Objects.requireNonNull(measurement, "measurement");
        Objects.requireNonNull(field, "field");
        tags = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(tags));
        Objects.requireNonNull(condition, "condition");
        seriesIds = seriesIds.map(List::copyOf);
    }

    /** Measurement, field and tag equalities only. */
    SeriesFilter(Optional<String> measurement, Optional<String> field, Map<String, String> tags) {
        this(measurement, field, tags, Optional.empty(), Optional.empty());
    }

    /** This filter narrowed to the series {@code ids} (those that satisfy {@link #condition}). */
    SeriesFilter onlySeries(List<Long> ids) {
        return new SeriesFilter(measurement, field, tags, condition, Optional.of(ids));
    }

    /** The tags as the JSON object that stored tag sets must contain. */
    String tagsJson() {
        var list = new java.util.ArrayList<Tag>();
        tags.forEach((k, v) -> list.add(new Tag(k, v)));
        return Tag.json(list);
    }

    /** {@code scope} bound to this filter too: measurement, field, each tag by key, as given, and the condition. */
    CursorScope boundTo(CursorScope scope) {
        var bound = scope.with("measurement", measurement).with("field", field);
        for (var tag : tags.entrySet()) {
            bound = bound.with("tag." + tag.getKey(), tag.getValue());
        }
        return bound.with("condition", condition.map(Expr::toString));
    }
}
