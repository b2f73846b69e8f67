package io.timestore.server.compaction;

import io.timestore.security.TenantId;
import io.timestore.server.chunks.ChunkCodec;
import io.timestore.server.chunks.ChunkPoints;
import io.timestore.server.chunks.SeriesMerge;
import io.timestore.server.points.FieldType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SQL of compaction (V6 points, V37 point_chunks), inside the caller's tenant transaction:
 * finding the next group of old hot rows, and folding one group into its bucket's chunks.
 */
public final class ChunkStore {
    /** The span of one chunk group: chunks never cross an hour boundary (aligned to the epoch). */
    static final long BUCKET_NANOS = 3_600_000_000_000L;
    /** Most hot rows one group transaction takes; the rest of a bucket follows in the next. */
    static final int MAX_ROWS_PER_GROUP = 100_000;

    private static final String NEXT_GROUP = """
            SELECT series_id, ts_ns FROM points
            WHERE tenant_id = ? AND dataset_id = ? AND (series_id, ts_ns) >= (?, ?) AND ts_ns < ?
            ORDER BY series_id, ts_ns LIMIT 1
            """;
    private static final String SERIES_TYPE = "SELECT type FROM series WHERE tenant_id = ? AND dataset_id = ? AND id = ?";
    // The rows are chosen by ctid and then deleted: a row a concurrent write replaces meanwhile has
    // a new ctid, so its new value stays hot (and wins over the chunk, being newer).
    private static final String TAKE_HOT = """
            DELETE FROM points WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM points
                WHERE tenant_id = ? AND dataset_id = ? AND series_id = ? AND ts_ns >= ? AND ts_ns < ?
                ORDER BY ts_ns LIMIT ?))
            RETURNING ts_ns, f, i, b, s
            """;
    private static final String BUCKET_CHUNKS = """
            SELECT data FROM point_chunks
            WHERE tenant_id = ? AND dataset_id = ? AND series_id = ? AND min_ts >= ? AND min_ts < ?
            ORDER BY min_ts FOR UPDATE
            """;
    private static final String DELETE_BUCKET_CHUNKS = """
            DELETE FROM point_chunks
            WHERE tenant_id = ? AND dataset_id = ? AND series_id = ? AND min_ts >= ? AND min_ts < ?
            """;
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

    /** What folding one group did. */
    record Folded(int hotRows, int chunksWritten) {}

    private ChunkStore() {}

    /** The first old hot row at or after {@code from}, older than {@code before}. */
    static Optional<Position> nextGroup(Connection connection, TenantId tenant, String dataset, Position from, long before)
            throws SQLException {
        try (var statement = connection.prepareStatement(NEXT_GROUP)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setLong(3, from.series());
            statement.setLong(4, from.timestamp());
            statement.setLong(5, before);
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
     * Folds the hot rows of {@code series} in {@code bucket} into the bucket's chunks: deletes
     * them, merges them over the bucket's chunks (a hot row wins over a chunk's point of the same
     * time) and replaces those chunks. Chunks lie within one bucket, so they are found by min_ts.
     */
    static Folded fold(Connection connection, TenantId tenant, String dataset, long series, Bucket bucket) throws SQLException {
        var type = seriesType(connection, tenant, dataset, series);
        var merge = new SeriesMerge(type);
        for (var chunk : bucketChunks(connection, tenant, dataset, series, bucket)) {
            merge.addAll(chunk);
        }
        int hot = takeHot(connection, tenant, dataset, series, bucket, merge);
        if (hot == 0) {
            return new Folded(0, 0);
        }
        try (var statement = connection.prepareStatement(DELETE_BUCKET_CHUNKS)) {
            bindBucket(statement, tenant, dataset, series, bucket);
            statement.executeUpdate();
        }
        var chunks = merge.chunks(ChunkCodec.MAX_POINTS);
        insert(connection, tenant, dataset, series, chunks);
        return new Folded(hot, chunks.size());
    }

    /**
     * Removes the points from {@code start} to {@code stop} (both included) from the chunk of
     * {@code series} that starts at {@code minTs}, in the caller's tenant transaction: the chunk is
     * rewritten without them, or deleted when none is left. How many points it removed.
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

    private static FieldType seriesType(Connection connection, TenantId tenant, String dataset, long series) throws SQLException {
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

    private static List<ChunkPoints> bucketChunks(Connection connection, TenantId tenant, String dataset, long series, Bucket bucket)
            throws SQLException {
        try (var statement = connection.prepareStatement(BUCKET_CHUNKS)) {
            bindBucket(statement, tenant, dataset, series, bucket);
            var chunks = new ArrayList<ChunkPoints>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    chunks.add(ChunkCodec.decode(rows.getBytes(1)));
                }
            }
            return chunks;
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
                    long ts = rows.getLong(1);
                    switch (merge.type()) {
                        case FLOAT -> merge.add(ts, Double.doubleToRawLongBits(rows.getDouble(2)));
                        case INTEGER, UNSIGNED -> merge.add(ts, rows.getLong(3));
                        case BOOLEAN -> merge.add(ts, rows.getBoolean(4) ? 1 : 0);
                        case STRING -> merge.add(ts, rows.getString(5));
                    }
                    taken++;
                }
            }
            return taken;
        }
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
