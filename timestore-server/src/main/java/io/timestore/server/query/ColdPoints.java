package io.timestore.server.query;

import io.timestore.security.TenantId;
import io.timestore.server.chunks.ChunkCodec;
import io.timestore.server.chunks.ChunkPoints;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The points a read finds in chunks ({@code point_chunks}, V37), decoded in Java, and how a
 * {@link QueryStore} statement reads them together with the hot rows of {@code points}.
 *
 * <p>PostgreSQL cannot decode a chunk (no C extension), so the read decodes the chunks that
 * overlap its series and range here, and hands their points to its statement as arrays: the
 * statement gets a {@code cold} CTE over {@code unnest} of the arrays, and every {@code points p}
 * in it becomes the hot rows {@code UNION ALL} the cold points. A cold point whose series and time
 * also has a hot row is left out: the hot row is the newer write and wins (docs/data-plane.md,
 * "Where a time is, and which value wins"). So the statement's own SQL (windows, percentiles,
 * selectors, ordering, paging) runs unchanged over the merged points. When no chunk overlaps, the
 * statement runs as it is ({@link #isEmpty}).
 *
 * <p>The chunks and the statement must see one snapshot, or a compaction group committing in
 * between would show a moved point twice or not at all: point reads run in REPEATABLE READ
 * transactions ({@code db.Transactions.inTenantWithGenericPlans}).
 */
final class ColdPoints {
    static final ColdPoints NONE = new ColdPoints();
    // Ten parameters, all in front of the statement's own: tenant, dataset, the six columns, tenant, dataset.
    // A cold point is hot too when a row-per-point row or a batch row (V38) holds its series and
    // time; tested on the tables, not on the `points` view, so that a batch row is only unnested
    // when its time range (point_batches_by_time) covers the point.
    private static final String PREFIX = """
            WITH cold (tenant_id, dataset_id, series_id, ts_ns, f, i, b, s) AS (
                SELECT ?::text, ?::text, c.series_id, c.ts_ns, c.f, c.i, c.b, c.s
                FROM unnest(?::bigint[], ?::bigint[], ?::float8[], ?::bigint[], ?::boolean[], ?::text[]) AS c (series_id, ts_ns, f, i, b, s)
                WHERE NOT EXISTS (
                    SELECT 1 FROM (SELECT ?::text AS tenant_id, ?::text AS dataset_id) AS k
                    WHERE EXISTS (SELECT 1 FROM point_rows h
                                  WHERE h.tenant_id = k.tenant_id AND h.dataset_id = k.dataset_id AND h.series_id = c.series_id
                                    AND h.ts_ns = c.ts_ns)
                       OR EXISTS (SELECT 1 FROM point_batches h
                                  WHERE h.tenant_id = k.tenant_id AND h.dataset_id = k.dataset_id AND h.series_id = c.series_id
                                    AND h.min_ts <= c.ts_ns AND h.max_ts >= c.ts_ns AND c.ts_ns = ANY (h.ts_ns))))
            """;
    private static final String MERGED = "(SELECT tenant_id, dataset_id, series_id, ts_ns, f, i, b, s FROM points UNION ALL SELECT * FROM cold)";

    private final List<Long> series = new ArrayList<>();
    private final List<Long> times = new ArrayList<>();
    private final List<Double> floats = new ArrayList<>();
    private final List<Long> integers = new ArrayList<>();
    private final List<Boolean> booleans = new ArrayList<>();
    private final List<String> strings = new ArrayList<>();

    private ColdPoints() {}

    /**
     * Decodes the chunks in {@code rows} (columns: series id, data), keeping their points in
     * {@code range}; stops once {@code enough} points after ({@code afterSeries}, {@code afterTime})
     * are kept, the rows being in (series, time) order and chunks of a series not overlapping.
     */
    static ColdPoints decode(ResultSet rows, QueryStore.TimeRange range, long afterSeries, long afterTime, long enough)
            throws SQLException {
        var cold = new ColdPoints();
        long kept = 0;
        while (kept < enough && rows.next()) {
            long id = rows.getLong(1);
            var chunk = ChunkCodec.decode(rows.getBytes(2));
            for (int i = 0; i < chunk.size(); i++) {
                long time = chunk.timestamps()[i];
                if (time >= range.start() && time < range.end() && (id > afterSeries || id == afterSeries && time > afterTime)) {
                    cold.add(id, time, chunk, i);
                    kept++;
                }
            }
        }
        return cold;
    }

    private void add(long id, long time, ChunkPoints chunk, int i) {
        series.add(id);
        times.add(time);
        long bits = chunk.bits() == null ? 0 : chunk.bits()[i];
        floats.add(switch (chunk.type()) {
            case FLOAT -> Double.longBitsToDouble(bits);
            default -> null;
        });
        integers.add(switch (chunk.type()) {
            case INTEGER, UNSIGNED -> bits;
            default -> null;
        });
        booleans.add(switch (chunk.type()) {
            case BOOLEAN -> bits == 1;
            default -> null;
        });
        strings.add(chunk.strings() == null ? null : chunk.strings()[i]);
    }

    boolean isEmpty() {
        return series.isEmpty();
    }

    /** {@code statement} reading the hot rows and these points wherever it reads {@code points p}. */
    String merged(String statement) {
        if (isEmpty()) {
            return statement;
        }
        var merged = statement.replaceAll("\\bpoints p\\b", MERGED + " p");
        if (merged.equals(statement)) {
            throw new IllegalArgumentException("the statement reads no points p");
        }
        return PREFIX + merged;
    }

    /** Binds the parameters {@link #merged} put in front; the index of the statement's own first parameter. */
    int bind(PreparedStatement statement, TenantId tenant, String dataset) throws SQLException {
        if (isEmpty()) {
            return 1;
        }
        var connection = statement.getConnection();
        statement.setString(1, tenant.value());
        statement.setString(2, dataset);
        statement.setArray(3, connection.createArrayOf("bigint", series.toArray()));
        statement.setArray(4, connection.createArrayOf("bigint", times.toArray()));
        statement.setArray(5, connection.createArrayOf("float8", floats.toArray()));
        statement.setArray(6, connection.createArrayOf("bigint", integers.toArray()));
        statement.setArray(7, connection.createArrayOf("bool", booleans.toArray()));
        statement.setArray(8, connection.createArrayOf("text", strings.toArray()));
        statement.setString(9, tenant.value());
        statement.setString(10, dataset);
        return 11;
    }
}
