package io.timestore.server.query;

import io.timestore.server.http.CursorScope;
import io.timestore.server.points.Tag;
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
        return Tag.json(list);
    }

    /** {@code scope} bound to this filter too: measurement, field and each tag by key, as given. */
    CursorScope boundTo(CursorScope scope) {
        var bound = scope.with("measurement", measurement).with("field", field);
        for (var tag : tags.entrySet()) {
            bound = bound.with("tag." + tag.getKey(), tag.getValue());
        }
        return bound;
    }
}
