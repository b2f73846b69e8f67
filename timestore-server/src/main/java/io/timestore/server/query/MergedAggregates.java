package io.timestore.server.query;

import io.timestore.security.TenantId;
import io.timestore.server.chunks.ChunkCodec;
import io.timestore.server.chunks.SeriesMerge;
import io.timestore.server.points.FieldType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The windowed aggregates of float series that combine point by point (count, sum, mean, min, max,
 * spread, first, last), evaluated in Java over the read's merged points instead of by a statement
 * over them (docs/data-plane.md, "How an aggregate is evaluated").
 *
 * <p>Per series, in id order: its hot points (the {@code point_rows} rows and the {@code
 * point_batches} rows whose span meets the range, read as they are stored, arrays unopened) merged
 * by {@link SeriesMerge} (the last write of a time wins: rows first, then batches by version), then
 * walked in time order together with the points of its chunks, a hot point winning over a chunk
 * point of the same time. A chunk lying wholly in the range and in one window, with no hot point in
 * its span, adds its summary columns instead of its points, as {@link ChunkSummaries} does in SQL.
 * Memory: one series' hot points and one chunk at a time, and the buckets (bounded by the query's
 * point limit, as the caller splits the series).
 *
 * <p>Why not SQL: the statement had to unnest every batch row, sort the points once to keep the
 * last version of each time ({@code DISTINCT ON}) and once more by window; those two sorts were
 * most of a warm 24-hour aggregate's time. In Java the points arrive in time order and each window
 * is closed as the next begins. The values are the statement's: a mean is the float sum divided
 * by the count, min and max compare as PostgreSQL's {@code float8} does; a sum adds in time order,
 * so it may differ from the statement's (whose order is the plan's) in its last digit.
 */
final class MergedAggregates implements AggregateRows {
    private static final Set<Aggregate> TAKEN = EnumSet.of(Aggregate.COUNT, Aggregate.SUM, Aggregate.AVG, Aggregate.MIN,
            Aggregate.MAX, Aggregate.SPREAD, Aggregate.FIRST, Aggregate.LAST);
    // Batch rows (V38) in write order per series; their arrays are read whole and cut to the range here.
    private static final String BATCHES = """
            SELECT x.series_id, x.ts_ns, x.f FROM point_batches x
            WHERE x.tenant_id = ? AND x.dataset_id = ? AND x.series_id = ANY (?::bigint[]) AND x.max_ts >= ? AND x.min_ts < ?
            ORDER BY x.series_id, x.version
            """;
    private static final String ROWS = """
            SELECT r.series_id, r.ts_ns, r.f FROM point_rows r
            WHERE r.tenant_id = ? AND r.dataset_id = ? AND r.series_id = ANY (?::bigint[]) AND r.ts_ns >= ? AND r.ts_ns < ?
            ORDER BY r.series_id, r.ts_ns
            """;
    // The chunks with their summaries; the data of a chunk its summaries will stand for is left
    // out (a coarse aggregate over folded data reads a few dozen bytes per chunk, not its points):
    // one wholly in the range and in one window (the condition in SQL is a narrower one of
    // non-negative times, so it never leaves out data the walk needs, but a hot point in the span
    // can: chunkData then reads it).
    private static final String CHUNKS_OF = """
            SELECT c.series_id, c.min_ts, c.max_ts, c.point_count, c.sum_f, c.min_f, c.max_f, c.first_f, c.last_f, %s
            FROM point_chunks c
            WHERE c.tenant_id = ? AND c.dataset_id = ? AND c.series_id = ANY (?::bigint[]) AND c.max_ts >= ? AND c.min_ts < ?
            ORDER BY c.series_id, c.min_ts
            """;
    private static final String CHUNKS = CHUNKS_OF.formatted("""
            CASE WHEN c.sum_f IS NOT NULL AND c.min_ts >= ? AND c.max_ts < ? AND c.min_ts >= 0
                      AND (?::bigint = 0 OR c.min_ts / ?::bigint = c.max_ts / ?::bigint)
                 THEN NULL ELSE c.data END""");
    // The three statements travel in one execution: one round trip instead of three for a read's
    // first pieces (each statement its own portal, fetched on as the walk needs it; pgjdbc gives
    // them one fetch size, FIRST_PIECE, and each result set its own size for the later pieces).
    private static final String READ = ROWS + ";\n" + BATCHES + ";\n" + CHUNKS;
    // Rows of each statement in the execution's first piece: a day of hour chunks, so a 24-hour
    // read of one series needs no second fetch; at most 32 chunks of 10,000 points held at once.
    private static final int FIRST_PIECE = 32;
    // A read's last statements may end its transaction: the same three and the COMMIT in one
    // execution, one round trip fewer. A COMMIT closes the portals, so every row comes in that
    // execution, each statement bounded by a LIMIT one past what such a read may hold (no more chunks
    // than a first piece), and every chunk with its data (no later fetch of one in the snapshot: a
    // late write into a summarized chunk's span needs its points; at most 32 chunks, where leaving the
    // data of the others out would save little). More rows than that end the read with ReadAgain: the
    // caller reads again without.
    static final int ENDING_ROWS = 5_000;
    static final int ENDING_BATCHES = 16;
    static final int ENDING_CHUNKS = FIRST_PIECE;
    private static final String READ_ENDING = ROWS + "LIMIT " + (ENDING_ROWS + 1) + ";\n" + BATCHES + "LIMIT " + (ENDING_BATCHES + 1)
            + ";\n" + CHUNKS_OF.formatted("c.data") + "LIMIT " + (ENDING_CHUNKS + 1) + ";\nCOMMIT";
    private static final String CHUNK_DATA = """
            SELECT c.data FROM point_chunks c WHERE c.tenant_id = ? AND c.dataset_id = ? AND c.series_id = ? AND c.min_ts = ?
            """;

    private final Connection connection;
    private final TenantId tenant;
    private final String dataset;
    private final Aggregate aggregate;
    private final long stepNanos;
    private final QueryStore.TimeRange range;

    // The window being accumulated.
    private boolean open;
    private long openSeries;
    private long openBucket;
    private long count;
    private double sum;
    private double min;
    private double max;
    private double first;
    private double last;

    // The closed windows, in (series, bucket) order, and the cursor over them.
    private int size;
    private long[] series = new long[64];
    private long[] buckets = new long[64];
    private Object[] values = new Object[64];
    private int position = -1;

    private MergedAggregates(Connection connection, TenantId tenant, String dataset, Aggregate aggregate, long stepNanos,
                             QueryStore.TimeRange range) {
        this.connection = connection;
        this.tenant = tenant;
        this.dataset = dataset;
        this.aggregate = aggregate;
        this.stepNanos = stepNanos;
        this.range = range;
    }

    /** Whether {@code aggregate} over series of {@code type} is evaluated here. */
    static boolean applies(Aggregate aggregate, FieldType type) {
        return type == FieldType.FLOAT && TAKEN.contains(aggregate);
    }

    /**
     * The buckets of {@code aggregate} over the float series {@code ids} (ascending) in {@code
     * range}, windows of {@code stepNanos} aligned to the epoch (0: one window), computed now.
     * {@code ending}: these are the read's last statements, and its transaction ends with them.
     *
     * @throws ReadAgain when {@code ending} and the range held more rows than an ending read takes;
     *         the transaction has ended
     */
    static AggregateRows open(Connection connection, TenantId tenant, String dataset, long[] ids, QueryStore.TimeRange range,
                              long stepNanos, Aggregate aggregate, boolean ending) throws SQLException {
        var result = new MergedAggregates(connection, tenant, dataset, aggregate, stepNanos, range);
        try (var statement = connection.prepareStatement(ending ? READ_ENDING : READ)) {
            int next = bind(statement, 1, tenant, dataset, ids, range);
            next = bind(statement, next, tenant, dataset, ids, range);
            if (ending) {
                bind(statement, next, tenant, dataset, ids, range);
            } else {
                bindChunks(statement, next, tenant, dataset, ids, range, stepNanos);
            }
            statement.setFetchSize(ending ? 0 : FIRST_PIECE);
            statement.execute();
            try (var pointRows = statement.getResultSet();
                 var batchRows = nextResult(statement);
                 var chunkRows = nextResult(statement)) {
                if (!ending) {
                    pointRows.setFetchSize(5_000);
                    batchRows.setFetchSize(64);
                    chunkRows.setFetchSize(FIRST_PIECE);
                }
                var rows = new SeriesCursor(pointRows);
                var batches = new SeriesCursor(batchRows);
                var chunks = new SeriesCursor(chunkRows);
                for (long id : ids) {
                    var hot = new SeriesMerge(FieldType.FLOAT);
                    for (; rows.on(id); rows.next()) {
                        hot.add(pointRows.getLong(2), Double.doubleToRawLongBits(pointRows.getDouble(3)));
                    }
                    for (; batches.on(id); batches.next()) {
                        var times = (Long[]) batchRows.getArray(2).getArray();
                        var floats = (Double[]) batchRows.getArray(3).getArray();
                        for (int i = 0; i < times.length; i++) {
                            if (times[i] >= range.start() && times[i] < range.end()) {
                                hot.add(times[i], Double.doubleToRawLongBits(floats[i]));
                            }
                        }
                    }
                    result.series(id, hot.columns(), chunks, chunkRows);
                }
                if (ending && (rows.drained() > ENDING_ROWS || batches.drained() > ENDING_BATCHES || chunks.drained() > ENDING_CHUNKS)) {
                    throw new ReadAgain();
                }
            }
        }
        return result;
    }

    /** The next result set of {@code statement}'s execution, the current one kept open. */
    private static ResultSet nextResult(PreparedStatement statement) throws SQLException {
        if (!statement.getMoreResults(Statement.KEEP_CURRENT_RESULT)) {
            throw new IllegalStateException("the points read returned fewer result sets than it has statements");
        }
        return statement.getResultSet();
    }

    /** Binds the tenant, dataset, series and range of one of the statements from parameter {@code first}; returns the next. */
    private static int bind(PreparedStatement statement, int first, TenantId tenant, String dataset, long[] ids,
                            QueryStore.TimeRange range) throws SQLException {
        statement.setString(first, tenant.value());
        statement.setString(first + 1, dataset);
        statement.setObject(first + 2, ids);
        statement.setLong(first + 3, range.start());
        statement.setLong(first + 4, range.end());
        return first + 5;
    }

    /** Binds the chunk statement's parameters from parameter {@code first}. */
    private static void bindChunks(PreparedStatement statement, int first, TenantId tenant, String dataset, long[] ids,
                                   QueryStore.TimeRange range, long stepNanos) throws SQLException {
        statement.setLong(first, range.start());
        statement.setLong(first + 1, range.end());
        for (int i = first + 2; i <= first + 4; i++) {
            statement.setLong(i, stepNanos);
        }
        bind(statement, first + 5, tenant, dataset, ids, range);
    }

    /** The chunk statement alone, bound, for the test that checks which chunks come without their data. */
    static PreparedStatement prepareChunks(Connection connection, TenantId tenant, String dataset, long[] ids,
                                           QueryStore.TimeRange range, long stepNanos) throws SQLException {
        var statement = connection.prepareStatement(CHUNKS);
        try {
            bindChunks(statement, 1, tenant, dataset, ids, range, stepNanos);
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    /** The data of the chunk of {@code id} that starts at {@code minTs}, which the chunk query left out. */
    private byte[] chunkData(long id, long minTs) throws SQLException {
        try (var statement = connection.prepareStatement(CHUNK_DATA)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setLong(3, id);
            statement.setLong(4, minTs);
            try (var rows = statement.executeQuery()) {
                if (!rows.next()) {
                    throw new IllegalStateException("chunk of series " + id + " at " + minTs + " vanished within the read's snapshot");
                }
                return rows.getBytes(1);
            }
        }
    }

    /** Walks one series' hot points and chunks in time order, the hot point winning a shared time. */
    private void series(long id, SeriesMerge.Columns hot, SeriesCursor chunks, ResultSet chunk) throws SQLException {
        long[] hotTimes = hot.timestamps();
        long[] hotBits = hot.bits();
        int h = 0;
        for (; chunks.on(id); chunks.next()) {
            long minTs = chunk.getLong(2);
            long maxTs = chunk.getLong(3);
            for (; h < hotTimes.length && hotTimes[h] < minTs; h++) {
                add(id, hotTimes[h], hotBits[h]);
            }
            boolean hotInSpan = h < hotTimes.length && hotTimes[h] <= maxTs;
            if (!hotInSpan && minTs >= range.start() && maxTs < range.end() && window(minTs) == window(maxTs) && summarized(id, chunk)) {
                continue;
            }
            byte[] data = chunk.getBytes(10);
            var points = ChunkCodec.decode(data != null ? data : chunkData(id, minTs));
            long[] times = points.timestamps();
            for (int i = 0; i < times.length && times[i] < range.end(); i++) {
                if (times[i] < range.start()) {
                    continue;
                }
                for (; h < hotTimes.length && hotTimes[h] < times[i]; h++) {
                    add(id, hotTimes[h], hotBits[h]);
                }
                if (h < hotTimes.length && hotTimes[h] == times[i]) {
                    add(id, hotTimes[h], hotBits[h]);
                    h++;
                } else {
                    add(id, times[i], points.bits()[i]);
                }
            }
        }
        for (; h < hotTimes.length; h++) {
            add(id, hotTimes[h], hotBits[h]);
        }
        closeWindow();
    }

    /** Adds a whole chunk (wholly in one window) through its summary columns; false if it has none. */
    private boolean summarized(long id, ResultSet chunk) throws SQLException {
        double chunkSum = chunk.getDouble(5);
        if (chunk.wasNull()) {
            return false;
        }
        accumulate(id, window(chunk.getLong(2)), chunk.getInt(4), chunkSum, chunk.getDouble(6), chunk.getDouble(7),
                chunk.getDouble(8), chunk.getDouble(9));
        return true;
    }

    private void add(long id, long time, long bits) {
        double value = Double.longBitsToDouble(bits);
        if (inOpenWindow(id, time)) {
            min = smaller(min, value);
            max = larger(max, value);
            count++;
            sum += value;
            last = value;
            return;
        }
        accumulate(id, window(time), 1, value, value, value, value, value);
    }

    /** Whether {@code time} of series {@code id} falls in the open window: most points do, found without window()'s division. */
    private boolean inOpenWindow(long id, long time) {
        if (!open || openSeries != id || stepNanos == 0) {
            return open && openSeries == id;
        }
        // The window before the step's first multiple (Long.MIN_VALUE) is not a step wide; the
        // difference is compared unsigned, as it may exceed Long.MAX_VALUE.
        return openBucket != Long.MIN_VALUE && time >= openBucket && Long.compareUnsigned(time - openBucket, stepNanos) < 0;
    }

    /** Adds {@code points} points (one, or a whole chunk's summary) that follow everything added before in time. */
    private void accumulate(long id, long bucket, int points, double pointsSum, double pointsMin, double pointsMax,
                            double pointsFirst, double pointsLast) {
        if (!open || openSeries != id || openBucket != bucket) {
            begin(id, bucket, pointsFirst);
            min = pointsMin;
            max = pointsMax;
        } else {
            min = smaller(min, pointsMin);
            max = larger(max, pointsMax);
        }
        count += points;
        sum += pointsSum;
        last = pointsLast;
    }

    // float8smaller and float8larger: the state unless the new value is strictly beyond it.
    private static double smaller(double state, double value) {
        return state < value ? state : value;
    }

    private static double larger(double state, double value) {
        return state > value ? state : value;
    }

    private void begin(long id, long bucket, double firstValue) {
        closeWindow();
        open = true;
        openSeries = id;
        openBucket = bucket;
        count = 0;
        sum = 0;
        first = firstValue;
    }

    /** Closes the window being accumulated, if any, as the next row. */
    private void closeWindow() {
        if (!open) {
            return;
        }
        open = false;
        if (size == series.length) {
            series = Arrays.copyOf(series, size * 2);
            buckets = Arrays.copyOf(buckets, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        series[size] = openSeries;
        buckets[size] = openBucket;
        values[size] = switch (aggregate) {
            // Boxed one by one: a switch of primitives would make the count a double.
            case COUNT -> Long.valueOf(count);
            case SUM -> Double.valueOf(sum);
            case AVG -> Double.valueOf(sum / count);
            case MIN -> Double.valueOf(min);
            case MAX -> Double.valueOf(max);
            case SPREAD -> Double.valueOf(max - min);
            case FIRST -> Double.valueOf(first);
            case LAST -> Double.valueOf(last);
            default -> throw new IllegalStateException(aggregate + " is not evaluated in Java");
        };
        size++;
    }

    private long window(long time) {
        return ChunkSummaries.window(time, stepNanos);
    }

    @Override
    public boolean next() {
        if (position < size) {
            position++;
        }
        return hasRow();
    }

    @Override
    public boolean hasRow() {
        return position >= 0 && position < size;
    }

    @Override
    public long series() {
        return series[position];
    }

    @Override
    public long bucket() {
        return buckets[position];
    }

    @Override
    public Object value() {
        return values[position];
    }

    @Override
    public void close() {
        // Computed when opened: nothing is held open.
    }
}
