package io.timestore.server.points;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** Which series a query selects: measurement, field and tag equality, each optional. */
record SeriesFilter(Optional<String> measurement, Optional<String> field, Map<String, String> tags) {
    SeriesFilter {
        Objects.requireNonNull(measurement, "measurement");
        Objects.requireNonNull(field, "field");
        tags = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(tags));
    }

    /** The tags as the JSON object that stored tag sets must contain. */
    String tagsJson() {
        var list = new java.util.ArrayList<Tag>();
        tags.forEach((k, v) -> list.add(new Tag(k, v)));
        return PointsStore.tagsJson(list);
    }

    /** A stable text of the filter, binding a cursor to the query it was made for. */
    String canonical() {
        return measurement.orElse("") + "\u001e" + field.orElse("") + "\u001e" + tagsJson();
    }
}
