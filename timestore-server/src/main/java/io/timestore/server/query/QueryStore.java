package io.timestore.server.query;

import io.timestore.security.TenantId;
import io.timestore.server.points.FieldType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reading points (V6__points.sql) inside the caller's tenant transaction. Rows are handed to a
 * sink one at a time from a server-side cursor (fetch size), never collected into a list. Every
 * read merges the hot rows with the points of the chunks (V37) its series and range overlap (a hot
 * row wins over a chunk point of the same time): raw pages in Java ({@link RawMerge}), aggregates
 * in their statement, the chunks decoded into a {@link ColdPoints} or, whole in a window, read
 * through their summary columns ({@link ChunkSummaries}).
 * It is over 480 lines because it holds every point-reading statement of the query package in one
 * place, with the filter and window bindings they share.
 */
final class QueryStore {
    private static final int FETCH_SIZE = 5_000;
    // Tag equality goes through series_tags (V16): text equality on its digest is leakproof, so
    // the index finds the candidate series under row-level security, where the jsonb containment
    // below (not leakproof) could only be checked series by series. Containment stays as the exact
    // check on the candidates. One IN per tag, added by withFilter.
    //
    // The condition names only what the filter gives (no `? IS NULL OR ...`): each shape of filter
    // is its own statement, so its generic plan (QueryService plans reads generically) can use the
    // index of every column it constrains.
    private static final String SERIES_FILTER = "s.tenant_id = ? AND s.dataset_id = ?";
    // measurement_digest (V19) is md5 of the measurement: its index holds a short entry whatever
    // the measurement's length; the name itself is still compared.
    private static final String MEASUREMENT_FILTER = " AND s.measurement_digest = md5(?::text) AND s.measurement = ?";
    private static final String FIELD_FILTER = " AND s.field = ?";
    private static final String TAGS_FILTER = " AND s.tags @> ?::jsonb";
    // The series a condition beyond equalities selected (SeriesFilter.seriesIds), checked in Java first.
    private static final String IDS_FILTER = " AND s.id = ANY (?::bigint[])";
    private static final String TAG_FILTER = """
            AND s.id IN (SELECT t.series_id FROM series_tags t
                         WHERE t.tenant_id = ? AND t.dataset_id = ? AND t.digest = md5(?) || md5(?))
            """;
    // The hot points of each selected series in the range (HotPoints, its six range parameters
    // after the filter's and the page's first series), not a join with the points view: the
    // series condition could not enter the view.
    //
    // The series are chosen first, once (a MATERIALIZED CTE, from the page's series on), and only
    // then joined with their hot points: on a plan made before the tables had statistics (a read
    // right after a dataset's first large write), PostgreSQL checked a tag condition above the
    // join, through an index that did not fit it, once per point read (219 ms instead of 0.8 ms;
    // docs/data-plane.md, "Reads before the first statistics").
    //
    // Its last column says whether any chunk of the page's series overlaps the range after the
    // page's position (FILTERED_CHUNKS would return a row: the same series, range and position,
    // the same snapshot), so that a read which finds hot rows and no chunk skips the chunks'
    // statement and its round trip (RawMerge). Its four parameters (start, end, the page's series
    // and time) follow the page's first series.
    private static final String RAW = """
            WITH s AS MATERIALIZED (
                SELECT s.tenant_id, s.dataset_id, s.id, s.measurement, s.tags, s.field, s.type FROM series s
                WHERE %s AND s.id >= ?)
            SELECT s.id, s.measurement, s.tags::text, s.field, s.type, p.ts_ns, p.f, p.i, p.b, p.s,
                   EXISTS (SELECT 1 FROM s AS k
                           JOIN point_chunks c ON c.tenant_id = k.tenant_id AND c.dataset_id = k.dataset_id AND c.series_id = k.id
                           WHERE c.max_ts >= ? AND c.min_ts < ? AND (c.series_id, c.max_ts) > (?, ?)) AS chunked
            FROM s
            CROSS JOIN\s""" + HotPoints.OF_JOINED_SERIES + """
             p
            WHERE (s.id, p.ts_ns) > (?, ?)
            ORDER BY s.id, p.ts_ns
            LIMIT ?
            """;
    private static final String SERIES = """
            SELECT s.id, s.measurement, s.tags::text, s.field, s.type FROM series s
            WHERE %s
            ORDER BY s.id LIMIT ?
            """;
    private static final String NUMERIC_FILTER = " AND s.type IN ('float', 'integer', 'unsigned')";
    // One statement per field type of the selected series, not one per series: a filter that
    // matches a hundred series reads them in one index scan (series_id = ANY) instead of a
    // hundred statements. A single series keeps the plain statement, the one the benchmark
    // compares with.
    //
    // A point's window starts at the multiple of the step at or below its time (windows are
    // aligned to the epoch). WINDOW computes it without overflowing bigint whatever the time and
    // step: the remainder is in (-step, step), so adding the step to a negative one cannot
    // overflow, and the window that would start before the earliest int64 (points as early as
    // 1677-09-21 with a step that does not divide 2^63) is given the earliest int64 as its start.
    private static final String WINDOW = """
            CASE WHEN p.ts_ns < ? THEN ?::bigint
                 ELSE p.ts_ns - CASE WHEN p.ts_ns %% ? < 0 THEN p.ts_ns %% ? + ? ELSE p.ts_ns %% ? END END""";
    // Local windows of whole days (tz): the number since 1970-01-01 of the local day a window
    // starts on, a multiple of the days per window; Windows turns it into the instant of that local
    // midnight. The local date of a point is that of its whole second (midnight is one).
    private static final String LOCAL_DAY_WINDOW = """
            floor(((to_timestamp(floor(p.ts_ns / 1000000000.0)::float8) AT TIME ZONE ?::text)::date - date '1970-01-01')
                  / ?::float8)::bigint * ?::bigint""";
    private static final String AGGREGATE = """
            SELECT %1$s AS bucket, %2$s
            FROM points p
            WHERE p.tenant_id = ? AND p.dataset_id = ? AND p.series_id = ? AND p.ts_ns >= ? AND p.ts_ns < ?
            GROUP BY bucket ORDER BY bucket
            """;
    private static final String AGGREGATE_SERIES = """
            SELECT %1$s AS bucket, %2$s, p.series_id
            FROM points p
            WHERE p.tenant_id = ? AND p.dataset_id = ? AND p.series_id = ANY (?::bigint[]) AND p.ts_ns >= ? AND p.ts_ns < ?
            GROUP BY p.series_id, bucket ORDER BY p.series_id, bucket
            """;
    private static final String SERIES_PAGE = """
            SELECT s.measurement, s.tags::text, jsonb_object_agg(s.field, s.type)::text
            FROM series s
            WHERE %s AND (s.measurement, s.tags) > (?, ?::jsonb)
            GROUP BY s.measurement, s.tags
            ORDER BY s.measurement, s.tags
            LIMIT ?
            """;
    // InfluxQL (InfluxQlSelect): the points of several series read together, by time.
    private static final String GROUP_POINTS = """
            SELECT p.series_id, p.ts_ns, p.f, p.i, p.b, p.s
            FROM points p
            WHERE p.tenant_id = ? AND p.dataset_id = ? AND p.series_id = ANY (?::bigint[]) AND p.ts_ns >= ? AND p.ts_ns < ?
            ORDER BY p.ts_ns %s, p.series_id
            LIMIT ?
            """;
    // InfluxQL: one aggregate over several series (a GROUP BY tag group), per window or over the whole range.
    private static final String GROUP_AGGREGATE = """
            SELECT %1$s AS bucket, %2$s
            FROM points p
            WHERE p.tenant_id = ? AND p.dataset_id = ? AND p.series_id = ANY (?::bigint[]) AND p.ts_ns >= ? AND p.ts_ns < ?
            GROUP BY bucket ORDER BY bucket
            """;
    // The chunks (V37) a read's series and range overlap, in (series, time) order (ColdPoints).
    private static final String CHUNKS = """
            SELECT c.series_id, c.data, c.min_ts, c.max_ts FROM point_chunks c
            WHERE c.tenant_id = ? AND c.dataset_id = ? AND c.series_id = ANY (?::bigint[]) AND c.max_ts >= ? AND c.min_ts < ?
            ORDER BY c.series_id, c.min_ts
            """;
    private static final String FILTERED_CHUNKS = """
            SELECT c.series_id, c.data, s.measurement, s.tags::text, s.field, s.type FROM series s
            JOIN point_chunks c ON c.tenant_id = s.tenant_id AND c.dataset_id = s.dataset_id AND c.series_id = s.id
            WHERE %s AND c.max_ts >= ? AND c.min_ts < ? AND (c.series_id, c.max_ts) > (?, ?)
            ORDER BY c.series_id, c.min_ts
            """;
    private static final String UNSIGNED = "(p.i::numeric + CASE WHEN p.i < 0 THEN 18446744073709551616 ELSE 0 END)";

    /** One series: a field of a measurement with one tag set ({@code tags} as JSON text). */
    record Series(long id, String measurement, String tags, String field, FieldType type) {}

    /** A half-open time range in nanoseconds: start inclusive, end exclusive. */
    record TimeRange(long start, long end) {
        /** How many steps of {@code stepNanos} it takes to cover the range (0 if empty), Long.MAX_VALUE if more. */
        long steps(long stepNanos) {
            if (end <= start) {
                return 0;
            }
            // end - start wraps for ranges wider than Long.MAX_VALUE, but read as unsigned it is exact.
            long steps = Long.divideUnsigned(end - start - 1, stepNanos) + 1;
            return steps <= 0 ? Long.MAX_VALUE : steps;
        }
    }

    /** Receives raw points in (series, time) order, each as the merge's current point; returns false to stop early. */
    @FunctionalInterface
    interface PointSink {
        boolean accept(RawMerge point) throws SQLException;
    }

    /** Receives rows in order; returns false to stop early. */
    @FunctionalInterface
    interface RowSink {
        boolean accept(ResultSet row) throws SQLException;
    }

    /**
     * The raw points of the series {@code filter} selects in {@code range}, after ({@code
     * afterSeries}, {@code afterTime}), in (series, time) order, at most {@code limit}: the hot rows
     * and the chunks' points merged in Java ({@link RawMerge}), the chunks decoded one at a time as
     * the sink takes their points.
     */
    void raw(Connection connection, TenantId tenant, String dataset, SeriesFilter filter, TimeRange range,
             long afterSeries, long afterTime, int limit, PointSink sink) throws SQLException {
        try (var hot = connection.prepareStatement(rawStatement(filter));
             var chunks = new ChunkRows(connection, tenant, dataset, filter, range, afterSeries, afterTime)) {
            int next = bindFilter(hot, 1, tenant, dataset, filter);
            hot.setLong(next, afterSeries);
            hot.setLong(next + 1, range.start());
            hot.setLong(next + 2, range.end());
            hot.setLong(next + 3, afterSeries);
            hot.setLong(next + 4, afterTime);
            next = HotPoints.bindRange(hot, next + 5, range);
            hot.setLong(next, afterSeries);
            hot.setLong(next + 1, afterTime);
            hot.setInt(next + 2, limit);
            hot.setFetchSize(FETCH_SIZE);
            try (var hotRows = hot.executeQuery()) {
                new RawMerge(hotRows, chunks, range, afterSeries, afterTime).run(sink);
            }
        }
    }

    /** The statement of the chunks a raw page's series and range overlap, executed only when the merge asks for its rows. */
    private static final class ChunkRows implements RawMerge.Chunks, AutoCloseable {
        private final Connection connection;
        private final TenantId tenant;
        private final String dataset;
        private final SeriesFilter filter;
        private final TimeRange range;
        private final long afterSeries;
        private final long afterTime;
        private PreparedStatement statement;

        ChunkRows(Connection connection, TenantId tenant, String dataset, SeriesFilter filter, TimeRange range, long afterSeries,
                  long afterTime) {
            this.connection = connection;
            this.tenant = tenant;
            this.dataset = dataset;
            this.filter = filter;
            this.range = range;
            this.afterSeries = afterSeries;
            this.afterTime = afterTime;
        }

        @Override
        public ResultSet open() throws SQLException {
            statement = connection.prepareStatement(withFilter(FILTERED_CHUNKS, filter));
            int next = bindFilter(statement, 1, tenant, dataset, filter);
            statement.setLong(next, range.start());
            statement.setLong(next + 1, range.end());
            statement.setLong(next + 2, afterSeries);
            statement.setLong(next + 3, afterTime);
            statement.setFetchSize(16);
            return statement.executeQuery(); // closed with the statement
        }

        @Override
        public void close() throws SQLException {
            if (statement != null) {
                statement.close();
            }
        }
    }

    /** The chunk points of {@code series} in {@code range}; the whole chunks {@code summaries} takes are left to it. */
    private static ColdPoints chunks(Connection connection, TenantId tenant, String dataset, List<Long> series, TimeRange range,
                                     Optional<ChunkSummaries> summaries) throws SQLException {
        var ids = series.stream().mapToLong(Long::longValue).toArray();
        try (var statement = connection.prepareStatement(CHUNKS)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setObject(3, ids);
            statement.setLong(4, range.start());
            statement.setLong(5, range.end());
            statement.setFetchSize(256);
            try (var rows = statement.executeQuery()) {
                return ColdPoints.read(connection, rows, tenant, dataset, ids, range, summaries);
            }
        }
    }

    /** The raw-points statement for {@code filter}, with its {@code ?} placeholders (for the query-plan test). */
    static String rawStatement(SeriesFilter filter) {
        return withFilter(RAW, filter);
    }

    /**
     * The statement of an aggregate of several float series over their hot points alone (no chunk
     * overlaps), with its {@code ?} placeholders: the twelve of {@link HotPoints#OF_SERIES}, the six
     * of the window, tenant, dataset, series, start, end (for the query-plan test).
     */
    static String hotAggregateStatement(Aggregate aggregate) {
        return ColdPoints.none(new long[0], new TimeRange(0, 0)).merged(aggregateSql(AGGREGATE_SERIES, WINDOW.formatted(),
                aggregate.sql(valueOf(FieldType.FLOAT)), FieldType.FLOAT, Optional.empty(), true));
    }

    /** The series the filter selects, by id, at most {@code limit}. */
    List<Series> series(Connection connection, TenantId tenant, String dataset, SeriesFilter filter, boolean numericOnly,
                        int limit) throws SQLException {
        try (var statement = prepareSeries(connection, "", tenant, dataset, filter, numericOnly, limit)) {
            var series = new ArrayList<Series>();
            stream(statement, row -> series.add(seriesRow(row)));
            return series;
        }
    }

    /**
     * The statement of {@link #series} as text, for sending in one execution with another
     * ({@link #bindSeries} binds it, {@link #series(ResultSet)} reads its rows).
     */
    static String seriesStatement(SeriesFilter filter, boolean numericOnly) {
        return withFilter(SERIES, filter, numericOnly ? NUMERIC_FILTER : "");
    }

    /** Binds {@link #seriesStatement} from parameter {@code first}. */
    static void bindSeries(PreparedStatement statement, int first, TenantId tenant, String dataset, SeriesFilter filter, int limit)
            throws SQLException {
        statement.setInt(bindFilter(statement, first, tenant, dataset, filter), limit);
    }

    /** The series in the rows of {@link #seriesStatement}. */
    static List<Series> series(ResultSet rows) throws SQLException {
        var series = new ArrayList<Series>();
        while (rows.next()) {
            series.add(seriesRow(rows));
        }
        return series;
    }

    private static Series seriesRow(ResultSet row) throws SQLException {
        return new Series(row.getLong(1), row.getString(2), row.getString(3), row.getString(4),
                FieldType.fromLowercaseName(row.getString(5)));
    }

    /** The statement of {@link #series}, bound; {@code prefix} goes in front (an EXPLAIN, in the query-plan test). */
    PreparedStatement prepareSeries(Connection connection, String prefix, TenantId tenant, String dataset, SeriesFilter filter,
                                    boolean numericOnly, int limit) throws SQLException {
        var statement = connection.prepareStatement(prefix + withFilter(SERIES, filter, numericOnly ? NUMERIC_FILTER : ""));
        int next = bindFilter(statement, 1, tenant, dataset, filter);
        statement.setInt(next, limit);
        return statement;
    }

    /**
     * The buckets of {@code series}, all of one field type, as an open cursor in (series id,
     * bucket) order; the caller closes it. Several may be open at once in one transaction.
     * {@code argument} is the percentile, for {@link Aggregate#takesArgument()}. With {@code
     * mayEnd}, an aggregate evaluated in Java ({@link MergedAggregates}) ends the transaction with
     * its statements: the caller runs nothing after them.
     *
     * @throws ReadAgain as {@link MergedAggregates#open} does
     */
    AggregateRows openAggregate(Connection connection, TenantId tenant, String dataset, List<Series> series, TimeRange range,
                                long stepNanos, Aggregate aggregate, double argument, boolean mayEnd) throws SQLException {
        var type = series.getFirst().type();
        if (MergedAggregates.applies(aggregate, type)) {
            return MergedAggregates.open(connection, tenant, dataset, series.stream().mapToLong(Series::id).sorted().toArray(), range,
                    stepNanos, aggregate, mayEnd);
        }
        boolean one = series.size() == 1;
        var summaries = ChunkSummaries.of(aggregate, type, stepNanos);
        var cold = chunks(connection, tenant, dataset, series.stream().map(Series::id).toList(), range, summaries);
        var summarized = summaries.filter(taken -> !taken.isEmpty());
        var statement = connection.prepareStatement(cold.merged(aggregateSql(one ? AGGREGATE : AGGREGATE_SERIES, WINDOW.formatted(),
                aggregate.sql(valueOf(type)), type, summarized, !one)));
        try {
            int next = cold.bind(statement, tenant, dataset);
            next = bindWindow(statement, next, stepNanos);
            if (aggregate.takesArgument()) {
                statement.setDouble(next++, argument);
            }
            statement.setString(next++, tenant.value());
            statement.setString(next++, dataset);
            if (one) {
                statement.setLong(next++, series.getFirst().id());
            } else {
                statement.setArray(next++, connection.createArrayOf("bigint", series.stream().map(Series::id).toArray()));
            }
            statement.setLong(next++, range.start());
            statement.setLong(next++, range.end());
            if (summarized.isPresent()) {
                summarized.get().bind(statement, next, tenant, dataset);
            }
            statement.setFetchSize(FETCH_SIZE);
            return new StatementRows(statement, statement.executeQuery(), one ? series.getFirst().id() : -1);
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    /** The buckets of an aggregate statement, read from its result set. */
    private static final class StatementRows implements AggregateRows {
        private final PreparedStatement statement;
        private final ResultSet rows;
        private final long onlySeries; // the one series' id (ids are positive), or -1 when the rows name theirs
        private boolean current;

        private StatementRows(PreparedStatement statement, ResultSet rows, long onlySeries) {
            this.statement = statement;
            this.rows = rows;
            this.onlySeries = onlySeries;
        }

        @Override
        public boolean next() throws SQLException {
            current = rows.next();
            return current;
        }

        @Override
        public boolean hasRow() {
            return current;
        }

        @Override
        public long series() throws SQLException {
            return onlySeries >= 0 ? onlySeries : rows.getLong(3);
        }

        @Override
        public long bucket() throws SQLException {
            return rows.getLong(1);
        }

        @Override
        public Object value() throws SQLException {
            return rows.getObject(2);
        }

        @Override
        public void close() throws SQLException {
            try (statement) {
                rows.close();
            }
        }
    }

    /**
     * The points of {@code series} in {@code range}, by time ({@code descending} or not) then
     * series id, at most {@code limit}; columns: series id, time, f, i, b, s.
     */
    void groupPoints(Connection connection, TenantId tenant, String dataset, List<Long> series, TimeRange range, boolean descending,
                     int limit, RowSink sink) throws SQLException {
        var cold = chunks(connection, tenant, dataset, series, range, Optional.empty());
        try (var statement = connection.prepareStatement(cold.merged(GROUP_POINTS.formatted(descending ? "DESC" : "ASC")))) {
            int next = cold.bind(statement, tenant, dataset);
            statement.setString(next, tenant.value());
            statement.setString(next + 1, dataset);
            statement.setArray(next + 2, connection.createArrayOf("bigint", series.toArray()));
            statement.setLong(next + 3, range.start());
            statement.setLong(next + 4, range.end());
            statement.setInt(next + 5, limit);
            stream(statement, sink);
        }
    }

    /**
     * {@code aggregate} over all points of {@code series} (all of field type {@code type}) in
     * {@code range}: per window of {@code stepNanos} (aligned to the epoch), or, when it is 0, one
     * row over the whole range (bucket 0). Rows: bucket, value, in bucket order.
     */
    void groupAggregate(Connection connection, TenantId tenant, String dataset, List<Long> series, FieldType type, TimeRange range,
                        long stepNanos, Aggregate aggregate, double argument, RowSink sink) throws SQLException {
        groupAggregate(connection, tenant, dataset, series, type, range, stepNanos, aggregate, argument, false, sink);
    }

    /**
     * As above; with {@code selectedTime} (a selector, {@link Aggregate#selectedTimeSql}) a third
     * column holds the time of the point the selector chose.
     */
    void groupAggregate(Connection connection, TenantId tenant, String dataset, List<Long> series, FieldType type, TimeRange range,
                        long stepNanos, Aggregate aggregate, double argument, boolean selectedTime, RowSink sink) throws SQLException {
        groupAggregate(connection, tenant, dataset, series, type, range, stepNanos, Optional.empty(), aggregate, argument, selectedTime,
                sink);
    }

    /**
     * As above; with {@code zone}, {@code stepNanos} is a whole number of days and each row's bucket
     * is the number of the local day (in {@code zone}) its window starts on ({@link Windows}).
     */
    void groupAggregate(Connection connection, TenantId tenant, String dataset, List<Long> series, FieldType type, TimeRange range,
                        long stepNanos, Optional<ZoneId> zone, Aggregate aggregate, double argument, boolean selectedTime, RowSink sink)
            throws SQLException {
        var bucket = zone.isPresent() ? LOCAL_DAY_WINDOW : stepNanos > 0 ? WINDOW.formatted() : "0::bigint";
        var value = valueOf(type);
        var columns = selectedTime ? aggregate.sql(value) + ", " + aggregate.selectedTimeSql(value).orElseThrow() : aggregate.sql(value);
        // Local days and selected times need the points; other windows may read whole chunks' summaries.
        var summaries = zone.isEmpty() && !selectedTime ? ChunkSummaries.of(aggregate, type, stepNanos) : Optional.<ChunkSummaries>empty();
        var cold = chunks(connection, tenant, dataset, series, range, summaries);
        var summarized = summaries.filter(taken -> !taken.isEmpty());
        try (var statement = connection.prepareStatement(cold.merged(aggregateSql(GROUP_AGGREGATE, bucket, columns, type, summarized,
                false)))) {
            int next = cold.bind(statement, tenant, dataset);
            if (zone.isPresent()) {
                long days = stepNanos / Windows.DAY;
                statement.setString(next++, zone.get().getId());
                statement.setDouble(next++, days);
                statement.setLong(next++, days);
            } else if (stepNanos > 0) {
                next = bindWindow(statement, next, stepNanos);
            }
            if (aggregate.takesArgument()) {
                statement.setDouble(next++, argument);
                if (selectedTime) {
                    statement.setDouble(next++, argument);
                }
            }
            statement.setString(next++, tenant.value());
            statement.setString(next++, dataset);
            statement.setArray(next++, connection.createArrayOf("bigint", series.toArray()));
            statement.setLong(next++, range.start());
            statement.setLong(next++, range.end());
            if (summarized.isPresent()) {
                summarized.get().bind(statement, next, tenant, dataset);
            }
            stream(statement, sink);
        }
    }

    /** Series grouped by measurement and tag set, after the given position, with their fields' types. */
    void seriesPage(Connection connection, TenantId tenant, String dataset, SeriesFilter filter, String afterMeasurement,
                    String afterTags, int limit, RowSink sink) throws SQLException {
        try (var statement = connection.prepareStatement(withFilter(SERIES_PAGE, filter))) {
            int next = bindFilter(statement, 1, tenant, dataset, filter);
            statement.setString(next, afterMeasurement);
            statement.setString(next + 1, afterTags);
            statement.setInt(next + 2, limit);
            stream(statement, sink);
        }
    }

    /**
     * An aggregate statement ({@code template} with its bucket and value columns), or, when
     * {@code summarized} holds whole chunks, its partial form combined with their summaries.
     */
    private static String aggregateSql(String template, String bucket, String columns, FieldType type,
                                       Optional<ChunkSummaries> summarized, boolean perSeries) {
        if (summarized.isEmpty()) {
            return template.formatted(bucket, columns);
        }
        return summarized.get().combined(template.formatted(bucket, summarized.get().partialSql(valueOf(type))), perSeries);
    }

    /** Binds the six parameters of {@link #WINDOW} from {@code first}; the next index. */
    private static int bindWindow(PreparedStatement statement, int first, long stepNanos) throws SQLException {
        // The first window that starts within the int64 range: Long.MIN_VALUE / step rounds up.
        statement.setLong(first, Long.MIN_VALUE / stepNanos * stepNanos);
        statement.setLong(first + 1, Long.MIN_VALUE);
        for (int i = 2; i < 6; i++) {
            statement.setLong(first + i, stepNanos);
        }
        return first + 6;
    }

    private static String valueOf(FieldType type) {
        return switch (type) {
            case FLOAT -> "p.f";
            case INTEGER -> "p.i";
            case UNSIGNED -> UNSIGNED;
            case BOOLEAN -> "p.b";
            case STRING -> "p.s";
        };
    }

    private static int bindFilter(PreparedStatement statement, int first, TenantId tenant, String dataset,
                                  SeriesFilter filter) throws SQLException {
        statement.setString(first, tenant.value());
        statement.setString(first + 1, dataset);
        int next = first + 2;
        if (filter.measurement().isPresent()) {
            statement.setString(next++, filter.measurement().get());
            statement.setString(next++, filter.measurement().get());
        }
        if (filter.field().isPresent()) {
            statement.setString(next++, filter.field().get());
        }
        if (!filter.tags().isEmpty()) {
            statement.setString(next++, filter.tagsJson());
        }
        for (var tag : filter.tags().entrySet()) {
            statement.setString(next, tenant.value());
            statement.setString(next + 1, dataset);
            statement.setString(next + 2, tag.getKey());
            statement.setString(next + 3, tag.getValue());
            next += 4;
        }
        if (filter.seriesIds().isPresent()) {
            statement.setArray(next++, statement.getConnection().createArrayOf("bigint", filter.seriesIds().get().toArray()));
        }
        return next;
    }

    /** {@code statement} with the series condition of {@code filter}: one tag lookup per tag it names. */
    private static String withFilter(String statement, SeriesFilter filter) {
        return withFilter(statement, filter, "");
    }

    private static String withFilter(String statement, SeriesFilter filter, String extraCondition) {
        var condition = new StringBuilder(SERIES_FILTER).append(extraCondition);
        filter.measurement().ifPresent(measurement -> condition.append(MEASUREMENT_FILTER));
        filter.field().ifPresent(field -> condition.append(FIELD_FILTER));
        if (!filter.tags().isEmpty()) {
            condition.append(TAGS_FILTER).append(" ").append(TAG_FILTER.repeat(filter.tags().size()));
        }
        filter.seriesIds().ifPresent(ids -> condition.append(IDS_FILTER));
        // A plain replace, not String.formatted: these templates hold no other %, and parsing a
        // statement of kilobytes as a format string was a visible share of a cheap read's own CPU.
        return statement.replace("%s", condition);
    }

    private static void stream(PreparedStatement statement, RowSink sink) throws SQLException {
        statement.setFetchSize(FETCH_SIZE);
        try (var rows = statement.executeQuery()) {
            while (rows.next()) {
                if (!sink.accept(rows)) {
                    return;
                }
            }
        }
    }
}
