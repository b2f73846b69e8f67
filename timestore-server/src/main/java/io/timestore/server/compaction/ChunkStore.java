package io.timestore.server.compaction;

import io.timestore.security.TenantId;
import io.timestore.server.chunks.ChunkCodec;
import io.timestore.server.chunks.ChunkPoints;
import io.timestore.server.chunks.SeriesMerge;
import io.timestore.server.points.FieldType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The SQL of compaction (V6 point_rows, V37 point_chunks, V38 point_batches), inside the caller's
 * tenant transaction: finding the next group of old hot points, and folding one group into its
 * bucket's chunks.
 */
public final class ChunkStore {
    /** The span of one chunk group: chunks never cross an hour boundary (aligned to the epoch). */
    static final long BUCKET_NANOS = 3_600_000_000_000L;
    /** Most hot rows one group transaction takes; the rest of a bucket follows in the next. */
    static final int MAX_ROWS_PER_GROUP = 100_000;

    // The next old hot point of either kind: a row-per-point row (written before V38), or a batch
    // row (V38) at or below the pass's version watermark with a point before the cut (its first).
    private static final String NEXT_GROUP = """
            SELECT g.series_id, g.ts FROM (
                (SELECT series_id, ts_ns AS ts FROM point_rows
                 WHERE tenant_id = ? AND dataset_id = ? AND (series_id, ts_ns) >= (?, ?) AND ts_ns < ?
                 ORDER BY series_id, ts_ns LIMIT 1)
                UNION ALL
                (SELECT series_id, min_ts FROM point_batches
                 WHERE tenant_id = ? AND dataset_id = ? AND (series_id, min_ts) >= (?, ?) AND min_ts < ? AND version <= ?
                 ORDER BY series_id, min_ts LIMIT 1)) AS g
            ORDER BY g.series_id, g.ts LIMIT 1
            """;
    private static final String SERIES_TYPE = "SELECT type FROM series WHERE tenant_id = ? AND dataset_id = ? AND id = ?";
    // The rows are chosen by ctid and then deleted: a row a concurrent write replaces meanwhile has
    // a new ctid, so its new value stays hot (and wins over the chunk, being newer).
    private static final String TAKE_HOT = """
            DELETE FROM point_rows WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM point_rows
                WHERE tenant_id = ? AND dataset_id = ? AND series_id = ? AND ts_ns >= ? AND ts_ns < ?
                ORDER BY ts_ns LIMIT ?))
            RETURNING ts_ns, f, i, b, s
            """;
    // The batch rows of the series with points in the bucket, at or below the watermark, oldest
    // first, as many as hold fewer than MAX_ROWS_PER_GROUP points before the last (at least one),
    // locked; their points in the bucket, by version and time. Taking the oldest versions is
    // safe: the rows left are newer, and being hot they still win over the chunk. The chosen
    // versions are collected once (ARRAY(...), an init plan) and probed by the primary key: as
    // "IN (SELECT ...)" the planner, right after a large write (no statistics yet), re-ran the
    // chosen scan once per batch row of the series: 33,000 buffer reads and 8-12 ms a group, now
    // about 400 and 0.6-0.9 ms (docs/benchmarks.md, 2026-12-04 afternoon).
    // Both scans read the bucket's rows alone, through the key (series, then min_ts: V42), bounded
    // below by the bucket's start; in_bucket is MATERIALIZED so that the window's version order
    // does not choose the plan (with V38's key by version the planner filtered every hot row of
    // the series: 578 rows and 2,100 buffers in a group late in a 60,000-point series, a pass
    // quadratic in a series' backlog). Without the lower bound a scan also walked the entries of
    // the rows earlier groups had folded (172,000 against 199,000-208,000 points folded a second).
    // The bound leaves out no row this group must take: a pass folds a series' buckets in time
    // order, each from the first time (min_ts) of the series' row at or below the watermark that
    // starts first (ChunkStore.nextGroup), and a fold moves a taken row's min_ts past the bucket;
    // a group that took nothing because its chosen rows were removed under it is tried again at
    // its bucket (PointsCompactor), so when a bucket is folded no row at or below the watermark
    // starts before it. The one exception is a row whose min_ts lies about its points (only an
    // owner editing the table makes one): locked, it holds no point in the bucket, comes back as
    // one row of NULL points, and the pass moves past its bucket, leaving it hot, and with it any
    // row of that bucket beyond the group's budget, whose older values then stay over newer ones
    // folded in a later bucket.
    private static final String TAKE_BATCHES = """
            WITH in_bucket AS MATERIALIZED (
                SELECT version, point_count FROM point_batches
                WHERE tenant_id = ? AND dataset_id = ? AND series_id = ? AND min_ts >= ? AND min_ts < ? AND version <= ?),
            chosen AS (
                SELECT x.version FROM (SELECT version, sum(point_count) OVER (ORDER BY version) - point_count AS earlier FROM in_bucket) AS x
                WHERE x.earlier < ?),
            locked AS (
                SELECT p.version, p.ts_ns, p.f, p.i, p.b, p.s FROM point_batches p
                WHERE p.tenant_id = ? AND p.dataset_id = ? AND p.series_id = ? AND p.min_ts >= ? AND p.min_ts < ?
                  AND p.version = ANY (ARRAY(SELECT version FROM chosen))
                FOR UPDATE)
            SELECT l.version, u.t, u.f, u.i, u.b, u.s
            FROM locked l LEFT JOIN LATERAL (
                SELECT * FROM unnest(l.ts_ns, l.f, l.i, l.b, l.s) AS v (t, f, i, b, s) WHERE v.t >= ? AND v.t < ?) AS u ON true
            ORDER BY l.version, u.t
            """;
    // The rows TAKE_BATCHES locked, by version; bounded below as it is, since they all start in the
    // bucket (BatchRows.removeRange adds the rest of their range: min_ts before the bucket's end).
    private static final String TAKEN_BATCHES = "p.series_id = ? AND p.min_ts >= ? AND p.version = ANY (?::bigint[])";
    private static final String BUCKET_CHUNKS = """
            SELECT ctid::text, data FROM point_chunks
            WHERE tenant_id = ? AND dataset_id = ? AND series_id = ? AND min_ts >= ? AND min_ts < ?
            ORDER BY min_ts FOR UPDATE
            """;
    // The bucket's chunks as read and locked by BUCKET_CHUNKS, by their row ids (which a locked row
    // keeps): by the range, or even by their keys, the planner, without statistics on a table that
    // was empty, scanned every chunk of the dataset through point_chunks_by_time (docs/benchmarks.md,
    // 2026-12-04 afternoon).
    private static final String DELETE_BUCKET_CHUNKS = "DELETE FROM point_chunks WHERE ctid = ANY (?::tid[])";
    private static final String CHUNK = """
            SELECT data FROM point_chunks WHERE tenant_id = ? AND dataset_id = ? AND series_id = ? AND min_ts = ? FOR UPDATE
            """;
    private static final String DELETE_CHUNK = """
            DELETE FROM point_chunks WHERE tenant_id = ? AND dataset_id = ? AND series_id = ? AND min_ts = ?
            """;
    private static final String INSERT_CHUNK = """
            INSERT INTO point_chunks (tenant_id, dataset_id, series_id, min_ts, max_ts, point_count,
                                      min_f, max_f, sum_f, first_f, last_f, min_n, max_n, sum_n, first_n, last_n, data)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """;

    /** Where a group starts: its series and the first old hot row's time. */
    record Position(long series, long timestamp) {}

    /**
     * What folding one group did; {@code rowsWithoutPoints}: batch rows it locked that hold no point
     * in its bucket though their min_ts lies in it (only an owner editing the table makes such a row).
     */
    record Folded(int hotRows, int chunksWritten, int rowsWithoutPoints) {
        /** Took nothing, yet locked rows that start in the bucket: rows whose min_ts lies about their points. */
        boolean foundOnlyMismatchedRows() {
            return hotRows == 0 && rowsWithoutPoints > 0;
        }
    }

    // What a group took of the batch rows: points, and locked rows that held none in the bucket.
    private record TakenBatches(int points, int rowsWithoutPoints) {}

    private ChunkStore() {}

    /** The first old hot point at or after {@code from}, older than {@code before}, of a batch row at or below {@code watermark}. */
    static Optional<Position> nextGroup(Connection connection, TenantId tenant, String dataset, Position from, long before, long watermark)
            throws SQLException {
        try (var statement = connection.prepareStatement(NEXT_GROUP)) {
            for (int first : new int[] {1, 6}) {
                statement.setString(first, tenant.value());
                statement.setString(first + 1, dataset);
                statement.setLong(first + 2, from.series());
                statement.setLong(first + 3, from.timestamp());
                statement.setLong(first + 4, before);
            }
            statement.setLong(11, watermark);
            try (var rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(new Position(rows.getLong(1), rows.getLong(2))) : Optional.empty();
            }
        }
    }

    /** An hour bucket: [start, end), aligned to the epoch, clipped to the int64 range at both ends. */
    record Bucket(long start, long end) {
        /** The bucket {@code timestamp} lies in (floor, also for negative times). */
        static Bucket of(long timestamp) {
            long index = Math.floorDiv(timestamp, BUCKET_NANOS);
            return new Bucket(index < Long.MIN_VALUE / BUCKET_NANOS ? Long.MIN_VALUE : index * BUCKET_NANOS,
                    index + 1 > Long.MAX_VALUE / BUCKET_NANOS ? Long.MAX_VALUE : (index + 1) * BUCKET_NANOS);
        }
    }

    /**
     * Folds the hot points of {@code series} (of type {@code type}, {@link #seriesType}) in
     * {@code bucket} into the bucket's chunks, in a transaction that holds the dataset's chunk lock
     * ({@link PointLocks#lockChunks}): takes them (row-per-point rows, then batch rows at or below
     * {@code watermark}), merges them over the bucket's chunks in the order written (chunk, then
     * rows, then batch rows by version: the newer wins) and replaces those chunks. Batch rows are
     * taken only with the last row-per-point rows of the bucket: a row left hot would otherwise win
     * over a newer batch value folded into the chunk. Chunks lie within one bucket, so they are
     * found by min_ts.
     */
    static Folded fold(Connection connection, TenantId tenant, String dataset, long series, FieldType type, Bucket bucket,
                       long watermark) throws SQLException {
        var merge = new SeriesMerge(type);
        var chunkRows = bucketChunks(connection, tenant, dataset, series, bucket, merge);
        int hot = takeHot(connection, tenant, dataset, series, bucket, merge);
        int rowsWithoutPoints = 0;
        if (hot < MAX_ROWS_PER_GROUP) {
            var batches = takeBatches(connection, tenant, dataset, series, bucket, watermark, merge);
            hot += batches.points();
            rowsWithoutPoints = batches.rowsWithoutPoints();
        }
        if (hot == 0) {
            return new Folded(0, 0, rowsWithoutPoints);
        }
        if (!chunkRows.isEmpty()) {
            try (var statement = connection.prepareStatement(DELETE_BUCKET_CHUNKS)) {
                statement.setArray(1, connection.createArrayOf("text", chunkRows.toArray()));
                statement.executeUpdate();
            }
        }
        var chunks = merge.chunks(ChunkCodec.MAX_POINTS);
        insert(connection, tenant, dataset, series, chunks);
        return new Folded(hot, chunks.size(), rowsWithoutPoints);
    }

    /**
     * Removes the points from {@code start} to {@code stop} (both included) from the chunk of
     * {@code series} that starts at {@code minTs}, in the caller's tenant transaction, which holds
     * {@link PointLocks#lockChunks}: the chunk is rewritten without them, or deleted when none is left. How
     * many points it removed.
     */
    public static int removeRange(Connection connection, TenantId tenant, String dataset, long series, long minTs, long start, long stop)
            throws SQLException {
        ChunkPoints points;
        try (var statement = connection.prepareStatement(CHUNK)) {
            bindChunk(statement, tenant, dataset, series, minTs);
            try (var rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return 0;
                }
                points = ChunkCodec.decode(rows.getBytes(1));
            }
        }
        var kept = new SeriesMerge(points.type());
        for (int i = 0; i < points.size(); i++) {
            long time = points.timestamps()[i];
            if (time < start || time > stop) {
                if (points.strings() != null) {
                    kept.add(time, points.strings()[i]);
                } else {
                    kept.add(time, points.bits()[i]);
                }
            }
        }
        if (kept.writes() == points.size()) {
            return 0;
        }
        try (var statement = connection.prepareStatement(DELETE_CHUNK)) {
            bindChunk(statement, tenant, dataset, series, minTs);
            statement.executeUpdate();
        }
        insert(connection, tenant, dataset, series, kept.chunks(ChunkCodec.MAX_POINTS));
        return points.size() - kept.writes();
    }

    private static void bindChunk(PreparedStatement statement, TenantId tenant, String dataset, long series, long minTs)
            throws SQLException {
        statement.setString(1, tenant.value());
        statement.setString(2, dataset);
        statement.setLong(3, series);
        statement.setLong(4, minTs);
    }

    private static void insert(Connection connection, TenantId tenant, String dataset, long series, List<ChunkPoints> chunks)
            throws SQLException {
        if (chunks.isEmpty()) {
            return;
        }
        try (var statement = connection.prepareStatement(INSERT_CHUNK)) {
            for (var chunk : chunks) {
                statement.setString(1, tenant.value());
                statement.setString(2, dataset);
                statement.setLong(3, series);
                statement.setLong(4, chunk.firstTimestamp());
                statement.setLong(5, chunk.lastTimestamp());
                statement.setInt(6, chunk.size());
                ChunkSummary.bind(statement, 7, chunk);
                statement.setBytes(17, ChunkCodec.encode(chunk));
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    /** The type of {@code series}, which never changes (a series is created with it and deleted only with its dataset). */
    static FieldType seriesType(Connection connection, TenantId tenant, String dataset, long series) throws SQLException {
        try (var statement = connection.prepareStatement(SERIES_TYPE)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setLong(3, series);
            try (var rows = statement.executeQuery()) {
                if (!rows.next()) {
                    throw new SQLException("series " + series + " of hot rows in " + dataset + " does not exist");
                }
                return FieldType.fromLowercaseName(rows.getString(1));
            }
        }
    }

    /** Locks the bucket's chunks and adds their points to {@code merge}; their row ids ({@code ctid}). */
    private static List<String> bucketChunks(Connection connection, TenantId tenant, String dataset, long series, Bucket bucket,
                                             SeriesMerge merge) throws SQLException {
        try (var statement = connection.prepareStatement(BUCKET_CHUNKS)) {
            bindBucket(statement, tenant, dataset, series, bucket);
            var rowIds = new ArrayList<String>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    rowIds.add(rows.getString(1));
                    merge.addAll(ChunkCodec.decode(rows.getBytes(2)));
                }
            }
            return rowIds;
        }
    }

    private static int takeHot(Connection connection, TenantId tenant, String dataset, long series, Bucket bucket, SeriesMerge merge)
            throws SQLException {
        try (var statement = connection.prepareStatement(TAKE_HOT)) {
            bindBucket(statement, tenant, dataset, series, bucket);
            statement.setInt(6, MAX_ROWS_PER_GROUP);
            int taken = 0;
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    addPoint(rows, 1, merge);
                    taken++;
                }
            }
            return taken;
        }
    }

    // The point in the columns from `first` on: time, f, i, b, s.
    private static void addPoint(ResultSet rows, int first, SeriesMerge merge) throws SQLException {
        long ts = rows.getLong(first);
        switch (merge.type()) {
            case FLOAT -> merge.add(ts, Double.doubleToRawLongBits(rows.getDouble(first + 1)));
            case INTEGER, UNSIGNED -> merge.add(ts, rows.getLong(first + 2));
            case BOOLEAN -> merge.add(ts, rows.getBoolean(first + 3) ? 1 : 0);
            case STRING -> merge.add(ts, rows.getString(first + 4));
        }
    }

    // The batch rows' points in the bucket, merged after everything else; then removed from their rows.
    private static TakenBatches takeBatches(Connection connection, TenantId tenant, String dataset, long series, Bucket bucket,
                                            long watermark, SeriesMerge merge) throws SQLException {
        var versions = new TreeSet<Long>();
        int taken = 0;
        int rowsWithoutPoints = 0;
        try (var statement = connection.prepareStatement(TAKE_BATCHES)) {
            bindBucket(statement, tenant, dataset, series, bucket);
            statement.setLong(6, watermark);
            statement.setLong(7, MAX_ROWS_PER_GROUP);
            statement.setString(8, tenant.value());
            statement.setString(9, dataset);
            statement.setLong(10, series);
            statement.setLong(11, bucket.start());
            statement.setLong(12, bucket.end());
            statement.setLong(13, bucket.start());
            statement.setLong(14, bucket.end());
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    long version = rows.getLong(1);
                    rows.getLong(2);
                    if (rows.wasNull()) {
                        rowsWithoutPoints++;
                        continue;
                    }
                    versions.add(version);
                    addPoint(rows, 2, merge);
                    taken++;
                }
            }
        }
        if (!versions.isEmpty()) {
            var taking = versions.toArray();
            BatchRows.removeRange(connection, tenant, dataset, bucket.start(), bucket.end() - 1, TAKEN_BATCHES, (statement, first) -> {
                statement.setLong(first, series);
                statement.setLong(first + 1, bucket.start());
                statement.setArray(first + 2, statement.getConnection().createArrayOf("bigint", taking));
            });
        }
        return new TakenBatches(taken, rowsWithoutPoints);
    }

    private static void bindBucket(PreparedStatement statement, TenantId tenant, String dataset, long series, Bucket bucket)
            throws SQLException {
        statement.setString(1, tenant.value());
        statement.setString(2, dataset);
        statement.setLong(3, series);
        statement.setLong(4, bucket.start());
        statement.setLong(5, bucket.end());
    }
}
