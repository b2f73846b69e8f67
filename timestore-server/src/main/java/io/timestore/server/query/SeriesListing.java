package io.timestore.server.query;

import io.timestore.server.http.CursorScope;
import java.util.Objects;

/**
 * One {@code GET .../series}, parsed and validated by {@link QueryRoutes} before any transaction:
 * the dataset, the filter, and the page (at most {@code limit} series after the cursor's
 * measurement and tag set, the next cursor bound to {@code scope}).
 */
record SeriesListing(ReadTarget target, SeriesFilter filter, int limit, String afterMeasurement, String afterTags,
                     CursorScope scope) {
    SeriesListing {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(afterMeasurement, "afterMeasurement");
        Objects.requireNonNull(afterTags, "afterTags");
        Objects.requireNonNull(scope, "scope");
    }
}
