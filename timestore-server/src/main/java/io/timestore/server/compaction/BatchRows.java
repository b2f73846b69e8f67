package io.timestore.server.compaction;

import io.timestore.security.TenantId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The hot rows of the write path ({@code point_batches}, V38: one row per series and write, its
 * points as arrays, a version per write) as the other features change them, inside the caller's
 * tenant transaction: a time range removed from the rows of some series (the compactor, which
 * moves them into chunks; {@code /api/v2/delete}; retention). The lock that lets the compactor
 * know which versions are all committed is {@link PointLocks#WRITE_LOCK_CLASS}.
 */
public final class BatchRows {
    // The rows of the selection that hold points in [start, stop] lose them, in one statement: a
    // row left with none is deleted, the others are rewritten with the points they keep (still
    // ascending; only the array of the series' type stays filled). The points are counted.
    // Parameters: start, stop, tenant, dataset, start, stop, then the selection's own.
    private static final String REMOVE_RANGE = """
            WITH hit AS (
                SELECT p.ctid AS row_id, p.point_count, k.ts, k.f, k.i, k.b, k.s, k.n
                FROM point_batches p CROSS JOIN LATERAL (
                    SELECT array_agg(u.t ORDER BY u.t) AS ts, array_agg(u.f ORDER BY u.t) AS f, array_agg(u.i ORDER BY u.t) AS i,
                           array_agg(u.b ORDER BY u.t) AS b, array_agg(u.s ORDER BY u.t) AS s, count(*)::int AS n
                    FROM unnest(p.ts_ns, p.f, p.i, p.b, p.s) AS u (t, f, i, b, s)
                    WHERE u.t < ? OR u.t > ?) AS k
                WHERE p.tenant_id = ? AND p.dataset_id = ? AND p.max_ts >= ? AND p.min_ts <= ? AND %s),
            gone AS (
                DELETE FROM point_batches p USING hit WHERE p.ctid = hit.row_id AND hit.n = 0
                RETURNING hit.point_count AS removed),
            kept AS (
                UPDATE point_batches p
                SET ts_ns = hit.ts, min_ts = hit.ts[1], max_ts = hit.ts[hit.n], point_count = hit.n,
                    f = CASE WHEN p.f IS NOT NULL THEN hit.f END, i = CASE WHEN p.i IS NOT NULL THEN hit.i END,
                    b = CASE WHEN p.b IS NOT NULL THEN hit.b END, s = CASE WHEN p.s IS NOT NULL THEN hit.s END
                FROM hit WHERE p.ctid = hit.row_id AND hit.n > 0 AND hit.n < hit.point_count
                RETURNING hit.point_count - hit.n AS removed)
            SELECT (SELECT coalesce(sum(removed), 0) FROM gone) + (SELECT coalesce(sum(removed), 0) FROM kept)
            """;

    /** Binds a selection's own parameters, from {@code first} on. */
    @FunctionalInterface
    public interface Selection {
        void bind(PreparedStatement statement, int first) throws SQLException;
    }

    private BatchRows() {}

    /**
     * Removes the points from {@code start} to {@code stop} (both included) from the batch rows of
     * {@code dataset} that {@code condition} (SQL over {@code p}, the row) selects; how many
     * points it removed (a time held by several versions counts once per version).
     */
    public static long removeRange(Connection connection, TenantId tenant, String dataset, long start, long stop, String condition,
                                   Selection selection) throws SQLException {
        try (var statement = connection.prepareStatement(REMOVE_RANGE.formatted(condition))) {
            statement.setLong(1, start);
            statement.setLong(2, stop);
            statement.setString(3, tenant.value());
            statement.setString(4, dataset);
            statement.setLong(5, start);
            statement.setLong(6, stop);
            selection.bind(statement, 7);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
