package io.timestore.server.query;

import io.timestore.security.TenantId;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The hot points a read's statement reads (V38: {@code point_batches} and {@code point_rows}),
 * as one row per series and time, the value of the highest version winning (a {@code point_rows}
 * row counts as version 0), exactly as the {@code points} view gives them, but with the read's
 * series and range applied to the tables' rows: a batch row is only unnested when its
 * {@code [min_ts, max_ts]} meets the range ({@code max_ts >= start AND min_ts < end}, through the
 * key, which leads with the series and then min_ts, V42), and only the series read are looked at.
 * The view cannot do this: a condition on its {@code ts_ns} applies after the unnest, and a join's
 * series condition does not enter its {@code DISTINCT ON} (docs/data-plane.md, "How a read of the
 * hot points is bounded").
 */
final class HotPoints {
    // %1$s, %2$s, %3$s: the tenant, the dataset and the series condition (what follows series_id).
    // Its own parameters, in order: start, end, start, end in the batch branch, start, end in the other.
    private static final String HOT = """
            SELECT DISTINCT ON (h.series_id, h.ts_ns) h.tenant_id, h.dataset_id, h.series_id, h.ts_ns, h.f, h.i, h.b, h.s
            FROM (SELECT x.tenant_id, x.dataset_id, x.series_id, u.ts_ns, u.f, u.i, u.b, u.s, x.version
                  FROM point_batches x CROSS JOIN LATERAL unnest(x.ts_ns, x.f, x.i, x.b, x.s) AS u (ts_ns, f, i, b, s)
                  WHERE x.tenant_id = %1$s AND x.dataset_id = %2$s AND x.series_id %3$s AND x.max_ts >= ? AND x.min_ts < ?
                    AND u.ts_ns >= ? AND u.ts_ns < ?
                  UNION ALL
                  SELECT r.tenant_id, r.dataset_id, r.series_id, r.ts_ns, r.f, r.i, r.b, r.s, 0
                  FROM point_rows r
                  WHERE r.tenant_id = %1$s AND r.dataset_id = %2$s AND r.series_id %3$s AND r.ts_ns >= ? AND r.ts_ns < ?) AS h
            ORDER BY h.series_id, h.ts_ns, h.version DESC""";
    /** The hot points of the series of an array, as a CTE {@code hot}; twelve parameters ({@link #bindSeries}). */
    static final String OF_SERIES = "hot (tenant_id, dataset_id, series_id, ts_ns, f, i, b, s) AS (\n"
            + HOT.formatted("?", "?", "= ANY (?::bigint[])") + ")\n";
    /**
     * The hot points of the series {@code s} of the statement, as a LATERAL subquery that replaces
     * a join of {@code points p} with {@code s}; six parameters ({@link #bindRange}).
     */
    static final String OF_JOINED_SERIES = "LATERAL (" + HOT.formatted("s.tenant_id", "s.dataset_id", "= s.id") + ")";

    private HotPoints() {}

    /** Binds the parameters of {@link #OF_SERIES} from {@code first}; the next index. */
    static int bindSeries(PreparedStatement statement, int first, TenantId tenant, String dataset, long[] series,
                          QueryStore.TimeRange range) throws SQLException {
        statement.setString(first, tenant.value());
        statement.setString(first + 1, dataset);
        statement.setObject(first + 2, series);
        statement.setLong(first + 3, range.start());
        statement.setLong(first + 4, range.end());
        statement.setLong(first + 5, range.start());
        statement.setLong(first + 6, range.end());
        statement.setString(first + 7, tenant.value());
        statement.setString(first + 8, dataset);
        statement.setObject(first + 9, series);
        statement.setLong(first + 10, range.start());
        statement.setLong(first + 11, range.end());
        return first + 12;
    }

    /** Binds the parameters of {@link #OF_JOINED_SERIES} from {@code first}; the next index. */
    static int bindRange(PreparedStatement statement, int first, QueryStore.TimeRange range) throws SQLException {
        for (int i = 0; i < 6; i += 2) {
            statement.setLong(first + i, range.start());
            statement.setLong(first + i + 1, range.end());
        }
        return first + 6;
    }
}
