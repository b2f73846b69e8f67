package io.timestore.server.query;

import io.timestore.security.TenantId;
import io.timestore.server.chunks.ChunkCodec;
import io.timestore.server.chunks.ChunkPoints;
import io.timestore.server.points.FieldType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Optional;

/**
 * The points a read finds in chunks ({@code point_chunks}, V37), decoded in Java, and how a
 * {@link QueryStore} statement reads them together with the hot rows of {@code points}.
 *
 * <p>PostgreSQL cannot decode a chunk (no C extension), so the read decodes the chunks that
 * overlap its series and range here, and hands their points to its statement as arrays: the
 * statement gets a {@code cold} CTE over {@code unnest} of the arrays, and every {@code points p}
 * in it becomes the hot points of the read's series and range (the CTE {@code hot} of
 * {@link HotPoints}, not the {@code points} view) {@code UNION ALL} the cold points. A cold point
 * whose series and time also has a hot row is left out: the hot row is the newer write and wins
 * (docs/data-plane.md, "Where a time is, and which value wins"). So the statement's own SQL
 * (windows, percentiles, selectors, ordering, paging) runs unchanged over the merged points. When
 * no chunk overlaps, the statement reads the hot points alone ({@link #isEmpty}).
 *
 * <p>What makes it cheap (docs/data-plane.md, "How a read of chunks is made fast"): the points are
 * held in primitive arrays and, when they are all of one field type (every aggregate), only that
 * type's value column is bound, as a {@code long[]}, {@code double[]}, {@code boolean[]} or
 * {@code String[]} that the driver sends in PostgreSQL's binary array form (the other columns are
 * empty arrays, which {@code unnest} pads with nulls); and the hot table is probed once per chunk
 * ({@link #overlapsHot}) rather than once per point: only the points of a chunk whose time span holds
 * a hot row of its series are checked against the hot rows.
 *
 * <p>The chunks and the statement must see one snapshot, or a compaction group committing in
 * between would show a moved point twice or not at all: point reads run in REPEATABLE READ
 * transactions ({@code db.Transactions.inTenantWithGenericPlans}).
 */
final class ColdPoints {
    // Eleven parameters, after those of the hot points (HotPoints.OF_SERIES) and in front of the statement's own: tenant, dataset, the six columns, the
    // probe flags, tenant, dataset. Only a point flagged (its chunk's span holds a hot row) is looked up.
    // A cold point is hot too when a row-per-point row or a batch row (V38) holds its series and
    // time; tested on the tables, not on the `points` view, so that a batch row is only unnested
    // when its time range (the key's series and min_ts, V42) covers the point.
    private static final String PREFIX = """
            cold (tenant_id, dataset_id, series_id, ts_ns, f, i, b, s) AS (
                SELECT ?::text, ?::text, c.series_id, c.ts_ns, c.f, c.i, c.b, c.s
                FROM unnest(?::bigint[], ?::bigint[], ?::float8[], ?::bigint[], ?::boolean[], ?::text[], ?::boolean[])
                     AS c (series_id, ts_ns, f, i, b, s, probe)
                WHERE NOT c.probe OR NOT EXISTS (
                    SELECT 1 FROM (SELECT ?::text AS tenant_id, ?::text AS dataset_id) AS k
                    WHERE EXISTS (SELECT 1 FROM point_rows h
                                  WHERE h.tenant_id = k.tenant_id AND h.dataset_id = k.dataset_id AND h.series_id = c.series_id
                                    AND h.ts_ns = c.ts_ns)
                       OR EXISTS (SELECT 1 FROM point_batches h
                                  WHERE h.tenant_id = k.tenant_id AND h.dataset_id = k.dataset_id AND h.series_id = c.series_id
                                    AND h.min_ts <= c.ts_ns AND h.max_ts >= c.ts_ns AND c.ts_ns = ANY (h.ts_ns))))
            """;
    private static final String MERGED = "(SELECT * FROM hot UNION ALL SELECT * FROM cold)";
    // The chunks (by their 1-based position) whose span [lo, hi] holds a hot row of their series:
    // one index probe per chunk, not per point.
    private static final String HOT_OVERLAP = """
            SELECT c.n FROM unnest(?::bigint[], ?::bigint[], ?::bigint[]) WITH ORDINALITY AS c (series_id, lo, hi, n)
            WHERE EXISTS (SELECT 1 FROM (SELECT ?::text AS tenant_id, ?::text AS dataset_id) AS k
                          WHERE EXISTS (SELECT 1 FROM point_rows h
                                        WHERE h.tenant_id = k.tenant_id AND h.dataset_id = k.dataset_id AND h.series_id = c.series_id
                                          AND h.ts_ns >= c.lo AND h.ts_ns <= c.hi)
                             OR EXISTS (SELECT 1 FROM point_batches h
                                        WHERE h.tenant_id = k.tenant_id AND h.dataset_id = k.dataset_id AND h.series_id = c.series_id
                                          AND h.min_ts <= c.hi AND h.max_ts >= c.lo))
            """;

    private final long[] seriesRead; // the series and range of the read, for its hot points (HotPoints)
    private final QueryStore.TimeRange range;
    private int size;
    private long[] series = new long[0];
    private long[] times = new long[0];
    private long[] bits = new long[0];
    private String[] strings = new String[0];
    private byte[] types = new byte[0];
    private boolean[] probe = new boolean[0]; // whether the point's chunk holds a hot row in its span
    private FieldType onlyType; // the type of every point, or null when they are of several types (or none)
    private boolean mixed;

    private ColdPoints(long[] seriesRead, QueryStore.TimeRange range) {
        this.seriesRead = seriesRead;
        this.range = range;
    }

    /** No chunk points: a statement over the hot points of {@code series} alone. */
    static ColdPoints none(long[] series, QueryStore.TimeRange range) {
        return new ColdPoints(series, range);
    }

    /**
     * The points in {@code range} of the chunks in {@code rows} (columns: series id, data, min_ts,
     * max_ts; the chunks that overlap the range): probes the hot rows once per chunk, then decodes
     * each chunk, except a chunk that {@code summaries} takes whole (wholly in the range and in one
     * window, and no hot row in its span).
     */
    static ColdPoints read(Connection connection, ResultSet rows, TenantId tenant, String dataset, long[] series,
                           QueryStore.TimeRange range, Optional<ChunkSummaries> summaries) throws SQLException {
        var ids = new LongList();
        var minTimes = new LongList();
        var maxTimes = new LongList();
        var data = new ArrayList<byte[]>();
        while (rows.next()) {
            ids.add(rows.getLong(1));
            data.add(rows.getBytes(2));
            minTimes.add(rows.getLong(3));
            maxTimes.add(rows.getLong(4));
        }
        var cold = new ColdPoints(series, range);
        if (data.isEmpty()) {
            return cold;
        }
        var overlapsHot = overlapsHot(connection, tenant, dataset, range, ids.values(), minTimes.values(), maxTimes.values());
        for (int c = 0; c < data.size(); c++) {
            long id = ids.get(c);
            long min = minTimes.get(c);
            long max = maxTimes.get(c);
            if (!overlapsHot[c] && min >= range.start() && max < range.end() && summaries.isPresent() && summaries.get().take(id, min, max)) {
                continue;
            }
            var chunk = ChunkCodec.decode(data.get(c));
            data.set(c, null);
            for (int i = 0; i < chunk.size(); i++) {
                long time = chunk.timestamps()[i];
                if (time >= range.start() && time < range.end()) {
                    cold.add(id, time, chunk, i, overlapsHot[c]);
                }
            }
        }
        cold.trim();
        return cold;
    }

    /**
     * For each chunk (series, min_ts, max_ts), whether a hot row of its series lies in its span
     * within the range (a later write of a folded time, or into a folded hour): one statement, one
     * index probe per chunk. Only the points of such chunks are looked up in the hot table by the
     * merged statement, and such a chunk is never summarized.
     */
    private static boolean[] overlapsHot(Connection connection, TenantId tenant, String dataset, QueryStore.TimeRange range,
                                         long[] ids, long[] minTimes, long[] maxTimes) throws SQLException {
        var low = new long[ids.length];
        var high = new long[ids.length];
        for (int c = 0; c < ids.length; c++) {
            low[c] = Math.max(minTimes[c], range.start());
            high[c] = Math.min(maxTimes[c], range.end() - 1);
        }
        var overlaps = new boolean[ids.length];
        try (var statement = connection.prepareStatement(HOT_OVERLAP)) {
            statement.setObject(1, ids);
            statement.setObject(2, low);
            statement.setObject(3, high);
            statement.setString(4, tenant.value());
            statement.setString(5, dataset);
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    overlaps[(int) rows.getLong(1) - 1] = true;
                }
            }
        }
        return overlaps;
    }

    private void add(long id, long time, ChunkPoints chunk, int i, boolean overlapsHot) {
        if (size == times.length) {
            int capacity = Math.max(1_024, size * 2);
            series = Arrays.copyOf(series, capacity);
            times = Arrays.copyOf(times, capacity);
            bits = Arrays.copyOf(bits, capacity);
            strings = Arrays.copyOf(strings, capacity);
            types = Arrays.copyOf(types, capacity);
            probe = Arrays.copyOf(probe, capacity);
        }
        var type = chunk.type();
        if (onlyType == null && !mixed) {
            onlyType = type;
        } else if (onlyType != type) {
            onlyType = null;
            mixed = true;
        }
        series[size] = id;
        times[size] = time;
        types[size] = (byte) type.ordinal();
        probe[size] = overlapsHot;
        if (type == FieldType.STRING) {
            strings[size] = chunk.strings()[i];
        } else {
            bits[size] = chunk.bits()[i];
        }
        size++;
    }

    /** Cuts the arrays to the points held, so that they are bound as they are, without copies. */
    private void trim() {
        if (times.length != size) {
            series = Arrays.copyOf(series, size);
            times = Arrays.copyOf(times, size);
            bits = Arrays.copyOf(bits, size);
            strings = Arrays.copyOf(strings, size);
            probe = Arrays.copyOf(probe, size);
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * {@code statement} reading, wherever it reads {@code points p}, the hot points of the read's
     * series and range ({@link HotPoints#OF_SERIES}, not the {@code points} view) and these points.
     */
    String merged(String statement) {
        var merged = statement.replaceAll("\\bpoints p\\b", (isEmpty() ? "hot" : MERGED) + " p");
        if (merged.equals(statement)) {
            throw new IllegalArgumentException("the statement reads no points p");
        }
        return "WITH " + HotPoints.OF_SERIES + (isEmpty() ? "" : ", " + PREFIX) + merged;
    }

    /** Binds the parameters {@link #merged} put in front; the index of the statement's own first parameter. */
    int bind(PreparedStatement statement, TenantId tenant, String dataset) throws SQLException {
        int first = HotPoints.bindSeries(statement, 1, tenant, dataset, seriesRead, range);
        if (isEmpty()) {
            return first;
        }
        statement.setString(first, tenant.value());
        statement.setString(first + 1, dataset);
        // Primitive arrays go over the wire in PostgreSQL's binary array form.
        statement.setObject(first + 2, series);
        statement.setObject(first + 3, times);
        if (mixed) {
            bindBoxed(statement, first + 4);
        } else {
            bindOneType(statement, first + 4);
        }
        statement.setObject(first + 8, probe);
        statement.setString(first + 9, tenant.value());
        statement.setString(first + 10, dataset);
        return first + 11;
    }

    /** Every point of one type: that type's column as a primitive array, the other columns empty (unnest pads them with nulls). */
    private void bindOneType(PreparedStatement statement, int first) throws SQLException {
        statement.setObject(first, onlyType == FieldType.FLOAT ? doubles(bits) : new double[0]);
        statement.setObject(first + 1, onlyType == FieldType.INTEGER || onlyType == FieldType.UNSIGNED ? bits : new long[0]);
        statement.setObject(first + 2, onlyType == FieldType.BOOLEAN ? booleans(bits) : new boolean[0]);
        statement.setObject(first + 3, onlyType == FieldType.STRING ? strings : new String[0]);
    }

    private static double[] doubles(long[] bits) {
        var doubles = new double[bits.length];
        for (int i = 0; i < bits.length; i++) {
            doubles[i] = Double.longBitsToDouble(bits[i]);
        }
        return doubles;
    }

    private static boolean[] booleans(long[] bits) {
        var booleans = new boolean[bits.length];
        for (int i = 0; i < bits.length; i++) {
            booleans[i] = bits[i] == 1;
        }
        return booleans;
    }

    /** Points of several types (an InfluxQL read of several fields): each column boxed, null where a point is of another type. */
    private void bindBoxed(PreparedStatement statement, int first) throws SQLException {
        var floats = new Double[size];
        var integers = new Long[size];
        var booleans = new Boolean[size];
        var texts = new String[size];
        var all = FieldType.values();
        for (int i = 0; i < size; i++) {
            switch (all[types[i]]) {
                case FLOAT -> floats[i] = Double.longBitsToDouble(bits[i]);
                case INTEGER, UNSIGNED -> integers[i] = bits[i];
                case BOOLEAN -> booleans[i] = bits[i] == 1;
                case STRING -> texts[i] = strings[i];
            }
        }
        var connection = statement.getConnection();
        statement.setArray(first, connection.createArrayOf("float8", floats));
        statement.setArray(first + 1, connection.createArrayOf("bigint", integers));
        statement.setArray(first + 2, connection.createArrayOf("bool", booleans));
        statement.setArray(first + 3, connection.createArrayOf("text", texts));
    }

    /** A growing list of longs. */
    private static final class LongList {
        private long[] values = new long[16];
        private int size;

        void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        long get(int i) {
            return values[i];
        }

        long[] values() {
            return Arrays.copyOf(values, size);
        }
    }
}
