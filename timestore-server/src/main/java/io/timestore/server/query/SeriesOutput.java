package io.timestore.server.query;

import io.timestore.server.points.FieldType;
import java.util.Optional;

/**
 * Where a query's result goes, in order: one series at a time, then its points by time, then
 * {@link #finish}. Values arrive as the database returns them: {@code Double}, {@code Long},
 * {@code BigDecimal} (unsigned integers, exact sums), {@code Boolean}, {@code String}, or null (an
 * aggregate of nothing). One instance per response; not thread-safe.
 */
sealed interface SeriesOutput permits JsonSeriesOutput, CsvSeriesOutput {

    /** Opens a series; {@code tagsJson} is the stored tag set as a JSON object. Ends the open one first. */
    void startSeries(String measurement, String tagsJson, String field, FieldType type);

    /** One point of the open series: its time (or window start) in nanoseconds and its value. */
    void point(long time, Object value);

    /**
     * The whole response. {@code nextCursor}, present when a raw query has more points, goes where
     * the format has room for it ({@code next_cursor} in JSON; CSV leaves it to a response header).
     */
    byte[] finish(Optional<String> nextCursor);
}
