package io.timestore.server.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Timer;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.RouteKind;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.compaction.PointsCompactor;
import io.timestore.server.config.CompactionSettings;
import io.timestore.server.config.PointsSettings;
import io.timestore.server.datasets.DatasetService;
import io.timestore.server.db.Cancellation;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.Cursors;
import io.timestore.server.influxql.Statement.Fill;
import io.timestore.server.points.FieldType;
import io.timestore.server.points.PointsMetrics;
import io.timestore.server.points.Tag;
import io.timestore.server.problems.ClientClosedRequest;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import io.timestore.server.shares.ShareService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Runs queries and hands their rows to a {@link SeriesOutput} (JSON or CSV) as they arrive from
 * the database cursor. The encoded response is held until the request's audit event is durable
 * (G4: nothing is acknowledged before), so its size is bounded by {@link PointsSettings#maxPointsPerQuery()}.
 *
 * <p>Reads flow one way: {@link QueryRoutes} parses and validates the whole request into a
 * {@link PointsQuery} or {@link SeriesListing} before any transaction; this service authorizes
 * the dataset and queries it, and returns what the route writes.
 *
 * <p>Every query runs in the caller's tenant transaction ({@link #read}) and reads the dataset of {@code owner}:
 * the caller's own tenant, or the owner of a dataset shared with it, whose rows row-level
 * security shows the caller only while the share exists.
 *
 * <p>Over 400 lines because it runs every read the routes parse (raw pages, series listings, plain
 * aggregates and the shared engine's grouped, filtered and transformed ones) for the caller's own
 * and for shared datasets, each authorized, bounded and streamed the same way.
 */
public final class QueryService {
    /** Where a raw page ends: the last (series, time) returned, when more follow. */
    record Position(long series, long time) {}

    /** A query's response body; {@code nextCursor} is present when more raw points follow. */
    record QueryResult(byte[] body, Optional<String> nextCursor) {}

    /** A raw query's page; {@code nextCursor} is present when more points follow. */
    record RawPage(byte[] body, int points, Optional<String> nextCursor) {}

    /** How long a dataset whose read had to read again is read without ending early. */
    static final Duration RESTARTED_RECENTLY = Duration.ofMinutes(10);

    private final Transactions transactions;
    private final JsonFactory json;
    private final QueryStore store = new QueryStore();
    private final PointsMetrics metrics;
    private final DatasetService datasets;
    private final ShareService shares;
    private final Cursors cursors;
    private final int maxPointsPerQuery;
    private final CompactionSettings compaction;
    private final InstantSource clock;
    /** Datasets ({@code tenant/id}) a read of which had to read again lately: their reads do not end early for now. */
    private final Cache<String, Boolean> restartedRecently = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterWrite(RESTARTED_RECENTLY).build();

    public QueryService(Transactions transactions, JsonFactory json, PointsMetrics metrics, DatasetService datasets,
                        ShareService shares, Cursors cursors, PointsSettings settings, InstantSource clock) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.json = Objects.requireNonNull(json, "json");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.datasets = Objects.requireNonNull(datasets, "datasets");
        this.shares = Objects.requireNonNull(shares, "shares");
        this.cursors = Objects.requireNonNull(cursors, "cursors");
        this.maxPointsPerQuery = settings.maxPointsPerQuery();
        this.compaction = settings.compaction();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Runs {@code query} (parsed and validated by the route): authorizes its dataset and reads it in
     * one transaction. 400 when an aggregate's range, from the dataset's retention horizon on, holds
     * more steps than the most points per query.
     */
    QueryResult query(SecurityContext security, RequestAudit audit, PointsQuery query, Cancellation cancellation) {
        var prefetch = query.shape() instanceof PointsQuery.Aggregation aggregation && !grouped(query, aggregation)
                ? Optional.of(new SeriesPrefetch(query.filter(), aggregation.aggregate().numericOnly(), maxPointsPerQuery + 1))
                : Optional.<SeriesPrefetch>empty();
        return read(security, audit, query.target(), query.kind(), cancellation, prefetch, (connection, retentionDays, prefetched, mayEnd) -> {
            var range = query.range().within(retentionDays);
            var out = query.format().open(json, query.epochNanos());
            var target = query.target();
            return switch (query.shape()) {
                case PointsQuery.Aggregation aggregation -> {
                    long buckets = range.steps(aggregation.stepNanos());
                    if (buckets > maxPointsPerQuery) {
                        throw new InvalidRequest("%d steps of %s from start to end exceed the limit of %d points per query"
                                .formatted(buckets, aggregation.stepText(), maxPointsPerQuery),
                                List.of(FieldError.at("/step", "too small for the range")));
                    }
                    audit.detail("agg", aggregation.aggregate().name().toLowerCase(Locale.ROOT)).detail("step", aggregation.stepText());
                    aggregation.groupBy().ifPresent(keys -> audit.detail("group_by", String.join(",", keys)));
                    aggregation.windows().zone().ifPresent(zone -> audit.detail("tz", zone.getId()));
                    aggregation.transform().ifPresent(transform -> audit.detail("transform", transform.function()));
                    var body = grouped(query, aggregation)
                            ? grouped(connection, target, query.filter(), range, aggregation, out)
                            : aggregate(connection, target.owner(), target.dataset(), query.filter(), range, aggregation, maxPointsPerQuery,
                                    prefetched, mayEnd, out);
                    yield new QueryResult(body, Optional.empty());
                }
                case PointsQuery.RawPage page -> {
                    var scope = page.scope();
                    var filter = selected(connection, target, query.filter());
                    var raw = raw(connection, target.owner(), target.dataset(), filter, range, page.after(), page.limit(),
                            out, last -> cursors.encode(scope, position -> position.int64(last.series()).int64(last.time())));
                    audit.detail("points", raw.points());
                    yield new QueryResult(raw.body(), raw.nextCursor());
                }
            };
        });
    }

    /** Whether an aggregation is evaluated over groups, conditions, local days or a transform ({@link #grouped}). */
    private static boolean grouped(PointsQuery query, PointsQuery.Aggregation aggregation) {
        return aggregation.groupBy().isPresent() || query.filter().condition().isPresent() || aggregation.windows().local()
                || aggregation.transform().isPresent();
    }

    /** Runs {@code listing} (parsed and validated by the route): authorizes its dataset and lists its series in one transaction. */
    byte[] series(SecurityContext security, RequestAudit audit, SeriesListing listing) {
        var target = listing.target();
        return read(security, audit, target, "series", new Cancellation(), Optional.empty(), (connection, retentionDays, prefetched, mayEnd) -> {
            return series(connection, target.owner(), target.dataset(), selected(connection, target, listing.filter()),
                    listing.afterMeasurement(),
                    listing.afterTags(), listing.limit(),
                    (measurement, tags) -> cursors.encode(listing.scope(), position -> position.text(measurement).text(tags)));
        });
    }

    /**
     * {@code filter} with its condition applied: narrowed to the series that satisfy it (checked in
     * Java, {@link SeriesSelection}); unchanged without one.
     */
    private SeriesFilter selected(Connection connection, ReadTarget target, SeriesFilter filter) throws SQLException {
        if (filter.condition().isEmpty()) {
            return filter;
        }
        var ids = candidates(connection, target, filter, false).stream().map(candidate -> candidate.series().id()).toList();
        return filter.onlySeries(ids);
    }

    private List<SeriesSelection.Candidate> candidates(Connection connection, ReadTarget target, SeriesFilter filter, boolean numericOnly)
            throws SQLException {
        var conditions = new InfluxQlConditions(filter.condition(), 0, new long[] {InfluxQlConditions.REGEX_BUDGET});
        return SeriesSelection.select(store, connection, target.owner(), target.dataset(), filter, conditions, this::tags, numericOnly,
                maxPointsPerQuery);
    }

    private Map<String, String> tags(String json) {
        return SeriesSelection.tags(this.json, json);
    }

    /**
     * Aggregates of groups of series: with {@code group_by}, the series of one measurement and
     * field whose grouping tags have the same values make one group (its tags: those values);
     * without, each series selected by the condition (or read in local windows) is a group of its own. One statement per
     * group ({@link SeriesSelection#aggregate}, as InfluxQL's GROUP BY), its windows filled by
     * {@link WindowFill}; groups in the order of measurement, tag values, field (single series in
     * the order they were created).
     */
    private byte[] grouped(Connection connection, ReadTarget target, SeriesFilter filter, QueryStore.TimeRange range,
                           PointsQuery.Aggregation aggregation, SeriesOutput out) throws SQLException {
        var aggregate = aggregation.aggregate();
        var selected = candidates(connection, target, filter, aggregate.numericOnly());
        var keys = aggregation.groupBy();
        var groups = SeriesSelection.group(selected, candidate -> {
            var key = new ArrayList<String>();
            if (keys.isEmpty()) {
                return List.of("%020d".formatted(candidate.series().id())); // each series alone, in id order as ever
            }
            key.add(candidate.series().measurement());
            key.addAll(SeriesSelection.tagValues(candidate, keys.get()));
            key.add(candidate.series().field());
            return key;
        });
        int written = 0;
        for (var group : groups.values()) {
            var first = group.getFirst().series();
            var ids = group.stream().map(candidate -> candidate.series().id()).toList();
            var windows = SeriesSelection.aggregate(store, connection, target.owner(), target.dataset(), ids, first.type(), range,
                    Optional.of(aggregation.windows()), aggregate, aggregation.argument(), Optional.empty());
            var tags = keys.isPresent() ? groupTags(keys.get(), group.getFirst()) : first.tags();
            written = write(out, first.measurement(), tags, first.field(), aggregate.resultType(first.type()), windows, range,
                    aggregation, written);
        }
        return out.finish(Optional.empty());
    }

    /** The tags of a group: its grouping tags' values, those the series do not have left out. */
    private static String groupTags(List<String> keys, SeriesSelection.Candidate member) {
        var tags = new ArrayList<Tag>();
        for (var key : keys) {
            var value = member.tags().get(key);
            if (value != null && !value.isEmpty()) {
                tags.add(new Tag(key, value));
            }
        }
        return Tag.json(tags);
    }

    /**
     * As {@link #write(SeriesOutput, String, String, String, FieldType, Map, QueryStore.TimeRange,
     * PointsQuery.Aggregation, int)}; the windows without a value left out and no transform (the
     * native route's default) are written as they came when they came in time order.
     */
    private int write(SeriesOutput out, String measurement, String tagsJson, String field, FieldType type, SeriesWindows windows,
                      QueryStore.TimeRange range, PointsQuery.Aggregation aggregation, int written) {
        if (!(aggregation.fill() instanceof Fill.None) || aggregation.transform().isPresent() || !windows.ascending()) {
            return write(out, measurement, tagsJson, field, type, windows.asMap(), range, aggregation, written);
        }
        long first = aggregation.windows().start(range.start());
        boolean started = false;
        for (int i = 0; i < windows.size(); i++) {
            long start = windows.start(i);
            var value = windows.value(i);
            if (value == null || start < first || start >= range.end()) {
                continue;
            }
            if (!started) {
                out.startSeries(measurement, tagsJson, field, type);
                started = true;
            }
            if (++written > maxPointsPerQuery) {
                throw tooMany(maxPointsPerQuery);
            }
            out.point(start, value);
        }
        return written;
    }

    /**
     * Writes one series' windows, filled ({@link WindowFill}, from the window holding the range's
     * start); a series without any value is left out. Returns the points written so far; 400 past
     * the limit.
     */
    private int write(SeriesOutput out, String measurement, String tagsJson, String field, FieldType type, Map<Long, Object> windows,
                      QueryStore.TimeRange range, PointsQuery.Aggregation aggregation, int written) {
        var step = aggregation.windows();
        var values = aggregation.transform().map(transform -> transform.apply(windows, step.stepNanos())).orElse(windows);
        var rows = WindowFill.windows(List.of(values), step.start(range.start()), range.end(), step, aggregation.fill(),
                maxPointsPerQuery);
        if (rows.isEmpty() || values.values().stream().allMatch(Objects::isNull)) {
            return written;
        }
        // A derivative or moving average is a float; a difference keeps the aggregate's type (integers stay exact).
        var resultType = aggregation.transform().filter(transform -> !transform.function().endsWith("difference")).isPresent()
                ? FieldType.FLOAT
                : type;
        out.startSeries(measurement, tagsJson, field, resultType);
        for (var row : rows) {
            if (++written > maxPointsPerQuery) {
                throw tooMany(maxPointsPerQuery);
            }
            out.point((Long) row.get(0), row.get(1));
        }
        return written;
    }

    /**
     * A read's work, in its transaction, once its dataset is authorized; given the dataset's
     * retention and, when the read asked for it ({@link SeriesPrefetch}), its series selection.
     * With {@code mayEnd} its last statements may end the transaction ({@link MergedAggregates}).
     */
    @FunctionalInterface
    private interface ReadWork<T> {
        T run(Connection connection, OptionalInt retentionDays, Optional<List<QueryStore.Series>> prefetched, boolean mayEnd)
                throws SQLException;
    }

    /** The series selection of a plain aggregate, sent with the dataset's row: the arguments of {@link QueryStore#series}. */
    private record SeriesPrefetch(SeriesFilter filter, boolean numericOnly, int limit) {}

    /**
     * Runs one read of {@code target} in the caller's tenant transaction, timed as a query of
     * {@code kind}: the dataset is authorized and then queried in the same transaction, so a read
     * costs one transaction, REPEATABLE READ: its statements see one snapshot, so the chunks a read merges
     * with the hot rows ({@link ColdPoints}) and the rows agree whatever the compactor commits
     * meanwhile. Its statements run on their generic plans ({@link Transactions#inTenantWithGenericPlans}).
     * Once {@code cancellation} is cancelled (the client went away), the running statement is
     * cancelled and the read ends as 499 {@code client_closed_request}.
     *
     * <p>The row of a dataset of the caller's own tenant is the transaction's first statement, sent
     * with the isolation level and the settings ({@link Transactions#inTenantWithGenericPlansFrom}):
     * one round trip fewer than reading it after them, the same row in the same transaction. The
     * authorization of a shared dataset reads the share first, after the settings.
     */
    private <T> T read(SecurityContext security, RequestAudit audit, ReadTarget target, String kind, Cancellation cancellation,
                       Optional<SeriesPrefetch> prefetch, ReadWork<T> work) {
        // Only reads that answer are timed: a 404, 403 or 400 would pull the percentiles down.
        var sample = Timer.start();
        T result;
        var dataset = target.owner().value() + "/" + target.dataset();
        boolean mayEnd = restartedRecently.getIfPresent(dataset) == null;
        try {
            try {
                result = attempt(security, audit, target, cancellation, prefetch, work, mayEnd);
            } catch (ReadAgain again) {
                // Rare (late writes into folded hours, or an hour of many chunks): the read, its authorization included, once more.
                // A dataset whose reads found that is read without ending early for a while: its series may be denser than an
                // hour's chunk, or a backfill under way; trying again at every read would cost each a second read.
                metrics.queryRestarted();
                restartedRecently.put(dataset, Boolean.TRUE);
                result = attempt(security, audit, target, cancellation, prefetch, work, false);
            }
        } catch (RuntimeException e) {
            if (cancellation.isCancelled()) {
                throw new ClientClosedRequest("the client went away; the query was cancelled");
            }
            throw e;
        }
        sample.stop(metrics.queryTimer(kind));
        return result;
    }

    /** One attempt at a read, in a transaction of its own: of the caller's own dataset or of one shared with it. */
    private <T> T attempt(SecurityContext security, RequestAudit audit, ReadTarget target, Cancellation cancellation,
                          Optional<SeriesPrefetch> prefetch, ReadWork<T> work, boolean mayEnd) {
        return target.viaShare() ? readShared(security, target, cancellation, work, mayEnd)
                : readOwn(security, audit, target, cancellation, prefetch, work, mayEnd);
    }

    /**
     * A read of a dataset of the caller's tenant: its row comes with the transaction's settings, and
     * with {@code prefetch} the aggregate's series selection comes in the same round trip too (one
     * fewer on the aggregate's path, docs/data-plane.md "How an aggregate is evaluated"). Those rows
     * arrive before the dataset is authorized, in the same snapshot, and are read only once it is:
     * a refused read closes the statement with them unread.
     */
    private <T> T readOwn(SecurityContext security, RequestAudit audit, ReadTarget target, Cancellation cancellation,
                          Optional<SeriesPrefetch> prefetch, ReadWork<T> work, boolean mayEnd) {
        var tenant = security.tenant();
        String sql = DatasetService.findStatement() + prefetch.map(p -> ";\n" + QueryStore.seriesStatement(p.filter(), p.numericOnly()))
                .orElse("");
        return transactions.inTenantWithGenericPlansFrom(tenant, sql, statement -> {
            statement.setString(2, tenant.value());
            statement.setString(3, target.dataset());
            if (prefetch.isPresent()) {
                var p = prefetch.get();
                QueryStore.bindSeries(statement, 4, tenant, target.dataset(), p.filter(), p.limit());
            }
        }, (found, connection) -> {
            var days = datasets.authorize(found, security, audit, target.dataset(), Action.DATASET_READ, RouteKind.QUERY).retentionDays();
            var prefetched = prefetch.isPresent() ? Optional.of(seriesAfter(found)) : Optional.<List<QueryStore.Series>>empty();
            return cancellation.during(connection, own -> work.run(own, days, prefetched, mayEnd));
        });
    }

    /** The series selection's rows, the result after {@code found} in the same execution. */
    private static List<QueryStore.Series> seriesAfter(ResultSet found) throws SQLException {
        var statement = found.getStatement();
        if (!statement.getMoreResults()) {
            throw new IllegalStateException("the series selection sent with the dataset's row returned no rows");
        }
        try (var rows = statement.getResultSet()) {
            return QueryStore.series(rows);
        }
    }

    /** A read of a dataset another tenant shares with the caller's: the share is read after the settings. */
    private <T> T readShared(SecurityContext security, ReadTarget target, Cancellation cancellation, ReadWork<T> work,
                             boolean mayEnd) {
        return transactions.inTenantWithGenericPlans(security.tenant(), connection -> cancellation.during(connection, shared -> {
            var days = shares.authorizeRead(shared, security, target.owner(), target.dataset()).retentionDays();
            return work.run(shared, days, Optional.empty(), mayEnd);
        }));
    }

    /** Raw points by (series, time) after {@code after}, at most {@code limit}, into {@code out}; a cursor when more follow. */
    private RawPage raw(Connection connection, TenantId owner, String dataset, SeriesFilter filter, QueryStore.TimeRange range,
                Position after, int limit, SeriesOutput out, Function<Position, String> cursor) throws SQLException {
        var page = new RawSink(out, limit);
        store.raw(connection, owner, dataset, filter, range, after.series(), after.time(), limit + 1, page);
        var next = page.more ? Optional.of(cursor.apply(page.last)) : Optional.<String>empty();
        return new RawPage(out.finish(next), page.count, next);
    }

    /**
     * Aggregates per series and step; 400 once more than {@code maxPoints} buckets would be
     * returned. Series are read in chunks of consecutive ids that cannot together return more than
     * {@code maxPoints}, so a query that ends in 400 stops reading after the chunk that crossed the
     * limit; within a chunk, one statement per field type, their cursors merged by series id, so
     * series come out in id order as in a raw query.
     */
    private byte[] aggregate(Connection connection, TenantId owner, String dataset, SeriesFilter filter, QueryStore.TimeRange range,
                     PointsQuery.Aggregation aggregation, int maxPoints, Optional<List<QueryStore.Series>> prefetched,
                     boolean mayEnd, SeriesOutput out) throws SQLException {
        var selected = prefetched.isPresent() ? prefetched.get()
                : store.series(connection, owner, dataset, filter, aggregation.aggregate().numericOnly(), maxPoints + 1);
        int chunk = seriesPerChunk(range, aggregation.stepNanos(), maxPoints);
        boolean ending = mayEnd && selected.size() <= chunk && folded(range, selected.size());
        int written = 0;
        for (int from = 0; from < selected.size(); from += chunk) {
            var series = selected.subList(from, Math.min(selected.size(), from + chunk));
            written = aggregateChunk(connection, owner, dataset, series, range, aggregation, written, ending, out);
        }
        return out.finish(Optional.empty());
    }

    /**
     * Whether {@code series} series over {@code range} lie where the compactor has folded (hours
     * wholly older than its age, on an instance that compacts) and their hour chunks fit an ending
     * read: there hot rows are few (late writes, until the next pass), so the points' statements
     * may end the read's transaction (one round trip fewer; docs/data-plane.md, "How an aggregate
     * is evaluated"). Elsewhere they almost never could, and trying would cost a read again.
     */
    private boolean folded(QueryStore.TimeRange range, int series) {
        if (!compaction.enabled() || range.end() <= range.start()) {
            return false;
        }
        long horizon = PointsCompactor.foldedBefore(clock.instant(), compaction.age());
        long hours = Math.floorDiv(range.end() - 1, PointsCompactor.BUCKET_NANOS) - Math.floorDiv(range.start(), PointsCompactor.BUCKET_NANOS) + 1;
        return range.end() <= horizon && series * hours <= MergedAggregates.ENDING_CHUNKS;
    }

    /** How many series' buckets fit the limit whatever their data: windows are aligned to the epoch, not to start. */
    static int seriesPerChunk(QueryStore.TimeRange range, long stepNanos, int maxPoints) {
        if (range.end() <= range.start()) {
            return Integer.MAX_VALUE;
        }
        long windows = range.steps(stepNanos);
        return windows >= maxPoints ? 1 : (int) Math.max(1, maxPoints / (windows + 1));
    }

    /** Writes the buckets of {@code series} (consecutive ids); returns the points written so far. */
    private int aggregateChunk(Connection connection, TenantId owner, String dataset, List<QueryStore.Series> series,
                               QueryStore.TimeRange range, PointsQuery.Aggregation aggregation, int written, boolean ending,
                               SeriesOutput out) throws SQLException {
        var aggregate = aggregation.aggregate();
        var byId = new HashMap<Long, QueryStore.Series>();
        var byType = new EnumMap<FieldType, List<QueryStore.Series>>(FieldType.class);
        for (var one : series) {
            byId.put(one.id(), one);
            byType.computeIfAbsent(one.type(), type -> new ArrayList<>()).add(one);
        }
        try (var cursors = new OpenCursors()) {
            for (var ofOneType : byType.values()) {
                // The read's last statements (one chunk of series, of one type) may end its transaction.
                cursors.add(store.openAggregate(connection, owner, dataset, ofOneType, range, aggregation.stepNanos(), aggregate,
                        aggregation.argument(), ending && byType.size() == 1)).next();
            }
            for (var cursor = cursors.lowestSeries(); cursor != null; cursor = cursors.lowestSeries()) {
                var current = byId.get(cursor.series());
                var windows = new SeriesWindows();
                do {
                    windows.add(cursor.bucket(), cursor.value());
                } while (cursor.next() && cursor.series() == current.id());
                written = write(out, current.measurement(), current.tags(), current.field(), aggregate.resultType(current.type()),
                        windows, range, aggregation, written);
            }
            return written;
        }
    }

    /** The aggregate cursors of one chunk; closing closes them all, a failure in one not hiding the others. */
    private static final class OpenCursors implements AutoCloseable {
        private final List<AggregateRows> cursors = new ArrayList<>();

        AggregateRows add(AggregateRows cursor) {
            cursors.add(cursor);
            return cursor;
        }

        /** The cursor whose current row has the lowest series id, or null when all are done. */
        AggregateRows lowestSeries() throws SQLException {
            AggregateRows lowest = null;
            for (var cursor : cursors) {
                if (cursor.hasRow() && (lowest == null || cursor.series() < lowest.series())) {
                    lowest = cursor;
                }
            }
            return lowest;
        }

        @Override
        public void close() throws SQLException {
            SQLException first = null;
            for (var cursor : cursors) {
                try {
                    cursor.close();
                } catch (SQLException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }

    /** A page of series (measurement, tags, fields with types) after the given position, as {"items", "next_cursor"?}. */
    private byte[] series(Connection connection, TenantId owner, String dataset, SeriesFilter filter, String afterMeasurement,
                  String afterTags, int limit, BiFunction<String, String, String> cursor) throws SQLException {
        var out = new ByteArrayOutputStream();
        try (var generator = json.createGenerator(out)) {
            generator.writeStartObject();
            generator.writeArrayFieldStart("items");
            String[] last = new String[2];
            int[] count = {0};
            boolean[] more = {false};
            store.seriesPage(connection, owner, dataset, filter, afterMeasurement, afterTags, limit + 1, row -> {
                if (count[0] == limit) {
                    more[0] = true;
                    return false;
                }
                count[0]++;
                last[0] = row.getString(1);
                last[1] = row.getString(2);
                writeSeriesItem(generator, last[0], last[1], row.getString(3));
                return true;
            });
            generator.writeEndArray();
            if (more[0]) {
                generator.writeStringField("next_cursor", cursor.apply(last[0], last[1]));
            }
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void writeSeriesItem(JsonGenerator generator, String measurement, String tags, String fields) {
        try {
            generator.writeStartObject();
            generator.writeStringField("measurement", measurement);
            generator.writeFieldName("tags");
            JsonSeriesOutput.copy(json, tags, generator);
            generator.writeFieldName("fields");
            JsonSeriesOutput.copy(json, fields, generator);
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InvalidRequest tooMany(int maxPoints) {
        return new InvalidRequest("the query would return more than %d points; narrow the time range, use a larger step or filter series"
                .formatted(maxPoints));
    }

    /** Writes raw points, grouping consecutive points of one series. */
    private static final class RawSink implements QueryStore.PointSink {
        private final SeriesOutput out;
        private final int limit;
        private int count;
        private boolean more;
        private Position last;
        private long current = Long.MIN_VALUE;

        RawSink(SeriesOutput out, int limit) {
            this.out = out;
            this.limit = limit;
        }

        @Override
        public boolean accept(RawMerge point) {
            if (count == limit) {
                more = true;
                return false;
            }
            var series = point.series();
            long time = point.time();
            if (series.id() != current) {
                out.startSeries(series.measurement(), series.tags(), series.field(), series.type());
                current = series.id();
            }
            out.point(time, point.value());
            count++;
            last = new Position(series.id(), time);
            return true;
        }
    }
}
