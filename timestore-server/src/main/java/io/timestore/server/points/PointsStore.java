package io.timestore.server.points;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.timestore.security.TenantId;
import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;

/**
 * The points tables (V6__points.sql), written in a handful of statements per batch whatever its
 * size: the batch travels as arrays ({@code unnest}) into plain INSERTs, so row-level security
 * checks every row (COPY FROM is refused on RLS tables) without a round trip per point.
 * Runs inside the caller's tenant transaction. Thread-safe (stateless).
 */
final class PointsStore {
    // Lookups by key are written as LATERAL index probes, one per key of the batch (LIMIT 1, as a
    // key matches at most one row, keeps the planner from flattening the probe back into a join).
    // As plain joins, a table without statistics yet (a new dataset's first minute, until
    // autovacuum analyses it) was estimated at one row per (tenant, dataset), and the planner put
    // it on the outside of a nested loop that rescanned the whole key array for every stored row:
    // 2 million jsonb comparisons per 5,000-line batch, seconds each.
    private static final String FIND_FIELD_TYPES = """
            SELECT u.ord, mf.type
            FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS u(measurement, field, ord)
            CROSS JOIN LATERAL (
                SELECT m.type FROM measurement_fields m
                WHERE m.tenant_id = ? AND m.dataset_id = ? AND m.measurement = u.measurement AND m.field = u.field
                LIMIT 1
            ) mf
            """;
    private static final String INSERT_FIELD_TYPES = """
            INSERT INTO measurement_fields (tenant_id, dataset_id, measurement, field, type)
            SELECT ?, ?, u.measurement, u.field, u.type FROM unnest(?::text[], ?::text[], ?::text[]) AS u(measurement, field, type)
            ON CONFLICT DO NOTHING
            """;
    // tags_digest (V12) is md5 of the stored tags' canonical text: comparing text lets the probe
    // use the index under row-level security, where jsonb's = (not leakproof) could not; the tags
    // are then compared on the one row found, so a digest collision cannot confuse two series.
    // OFFSET 0 keeps the keys computed once, outside the probe: inlined, the jsonb casts (not
    // leakproof either) would push the comparison out of the index again.
    private static final String FIND_SERIES = """
            SELECT u.ord, s.id
            FROM (SELECT k.measurement, k.tags::jsonb AS tags, md5(k.tags::jsonb::text) AS tags_digest, k.field, k.ord
                  FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS k(measurement, tags, field, ord)
                  OFFSET 0) u
            CROSS JOIN LATERAL (
                SELECT x.id FROM series x
                WHERE x.tenant_id = ? AND x.dataset_id = ? AND x.measurement = u.measurement
                  AND x.tags_digest = u.tags_digest AND x.field = u.field AND x.tags = u.tags
                LIMIT 1
            ) s
            """;
    // A trigger on series adds each new series' series_tags rows (V16), which query tag filters use.
    private static final String INSERT_SERIES = """
            INSERT INTO series (tenant_id, dataset_id, measurement, tags, field, type)
            SELECT ?, ?, u.measurement, u.tags::jsonb, u.field, u.type
            FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS u(measurement, tags, field, type)
            ON CONFLICT DO NOTHING
            """;
    // One statement per value column; a series has one type, so a replaced value stays in its column.
    // Most writes only add points, so the plain INSERT comes first: ON CONFLICT's speculative
    // insertion costs a second index probe and a second WAL record per row (50,000 new rows took
    // about 1.6x as long with it on the development machine). A write that replaces a stored point
    // meets a unique violation, and the column is written again, under a savepoint, as an upsert.
    // Small columns go straight to the upsert.
    private static final String APPEND_POINTS = """
            INSERT INTO points (tenant_id, dataset_id, series_id, ts_ns, %1$s)
            SELECT ?, ?, u.series_id, u.ts_ns, u.value FROM unnest(?::bigint[], ?::bigint[], ?::%2$s[]) AS u(series_id, ts_ns, value)
            """;
    private static final String UPSERT_POINTS = APPEND_POINTS + """
            ON CONFLICT (tenant_id, dataset_id, series_id, ts_ns) DO UPDATE SET %1$s = EXCLUDED.%1$s
            """;
    private static final String UNIQUE_VIOLATION = "23505";
    // Below this, the SAVEPOINT's own round trip costs more than the upsert's extra work saves.
    private static final int APPEND_FIRST_MIN_POINTS = 64;

    /** A stored field type that differs from the one written; {@code index} is the first point writing it. */
    record StoredTypeConflict(String measurement, String field, FieldType stored, FieldType written, int index) {
        String message() {
            return "field '%s' of measurement '%s' is %s in this dataset; the write has %s"
                    .formatted(field, measurement, stored, written);
        }
    }

    /** What a write stored: points (one per field value) and distinct series touched. */
    record Written(int points, int series) {}

    private record FieldKey(String measurement, String field) {}

    private record SeriesKey(String measurement, String tags, String field) {}

    /** Conflicts between the batch's field types and the dataset's; records new fields' types. */
    List<StoredTypeConflict> fixFieldTypes(Connection connection, TenantId tenant, String dataset, List<Point> points)
            throws SQLException {
        var written = new LinkedHashMap<FieldKey, FieldType>();
        var firstIndex = new HashMap<FieldKey, Integer>();
        for (int i = 0; i < points.size(); i++) {
            for (var field : points.get(i).fields()) {
                var key = new FieldKey(points.get(i).measurement(), field.key());
                if (written.putIfAbsent(key, field.type()) == null) {
                    firstIndex.put(key, i);
                }
            }
        }
        var keys = new ArrayList<>(written.keySet());
        var stored = findFieldTypes(connection, tenant, dataset, keys);
        if (stored.size() < keys.size()) {
            insertFieldTypes(connection, tenant, dataset, written);
            stored = findFieldTypes(connection, tenant, dataset, keys);
        }
        var conflicts = new ArrayList<StoredTypeConflict>();
        for (int i = 0; i < keys.size(); i++) {
            var key = keys.get(i);
            var type = stored.get(i);
            if (type != null && type != written.get(key)) {
                conflicts.add(new StoredTypeConflict(key.measurement(), key.field(), type, written.get(key), firstIndex.get(key)));
            }
        }
        return conflicts;
    }

    /** Stores the points (last write wins per series, field and timestamp). */
    Written insert(Connection connection, TenantId tenant, String dataset, List<Point> points) throws SQLException {
        var tagJson = new IdentityHashMap<List<Tag>, String>();
        var seriesOf = new LinkedHashMap<SeriesKey, FieldType>();
        for (var point : points) {
            var tags = tagJson.computeIfAbsent(point.tags(), PointsStore::tagsJson);
            for (var field : point.fields()) {
                seriesOf.putIfAbsent(new SeriesKey(point.measurement(), tags, field.key()), field.type());
            }
        }
        var ids = seriesIds(connection, tenant, dataset, seriesOf);
        var columns = new ValueColumns();
        var seen = new HashSet<SeriesTime>();
        // Backwards, so the last value written for a series and timestamp is the one kept.
        for (int p = points.size() - 1; p >= 0; p--) {
            var point = points.get(p);
            var tags = tagJson.get(point.tags());
            for (var field : point.fields()) {
                long series = ids.get(new SeriesKey(point.measurement(), tags, field.key()));
                if (seen.add(new SeriesTime(series, point.timestampNanos()))) {
                    columns.add(series, point.timestampNanos(), field.value());
                }
            }
        }
        columns.insert(connection, tenant, dataset);
        return new Written(seen.size(), seriesOf.size());
    }

    private record SeriesTime(long series, long time) {}

    private Map<SeriesKey, Long> seriesIds(Connection connection, TenantId tenant, String dataset,
                                           Map<SeriesKey, FieldType> wanted) throws SQLException {
        var keys = new ArrayList<>(wanted.keySet());
        var found = findSeries(connection, tenant, dataset, keys);
        if (found.size() < keys.size()) {
            insertSeries(connection, tenant, dataset, wanted);
            found = findSeries(connection, tenant, dataset, keys);
        }
        var ids = new HashMap<SeriesKey, Long>(keys.size() * 2);
        found.forEach((ordinal, id) -> ids.put(keys.get(ordinal), id));
        return ids;
    }

    private static Map<Integer, FieldType> findFieldTypes(Connection connection, TenantId tenant, String dataset,
                                                          List<FieldKey> keys) throws SQLException {
        try (var statement = connection.prepareStatement(FIND_FIELD_TYPES)) {
            statement.setArray(1, texts(connection, keys.stream().map(FieldKey::measurement).toArray(String[]::new)));
            statement.setArray(2, texts(connection, keys.stream().map(FieldKey::field).toArray(String[]::new)));
            statement.setString(3, tenant.value());
            statement.setString(4, dataset);
            var types = new HashMap<Integer, FieldType>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    types.put((int) rows.getLong(1) - 1, FieldType.fromLowercaseName(rows.getString(2)));
                }
            }
            return types;
        }
    }

    private static void insertFieldTypes(Connection connection, TenantId tenant, String dataset,
                                         Map<FieldKey, FieldType> types) throws SQLException {
        try (var statement = connection.prepareStatement(INSERT_FIELD_TYPES)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setArray(3, texts(connection, types.keySet().stream().map(FieldKey::measurement).toArray(String[]::new)));
            statement.setArray(4, texts(connection, types.keySet().stream().map(FieldKey::field).toArray(String[]::new)));
            statement.setArray(5, texts(connection, types.values().stream().map(FieldType::lowercaseName).toArray(String[]::new)));
            statement.executeUpdate();
        }
    }

    /** The series probe of a write, with its {@code ?} placeholders (for the query-plan test). */
    static String findSeriesStatement() {
        return FIND_SERIES;
    }

    private static Map<Integer, Long> findSeries(Connection connection, TenantId tenant, String dataset,
                                                 List<SeriesKey> keys) throws SQLException {
        try (var statement = connection.prepareStatement(FIND_SERIES)) {
            statement.setArray(1, texts(connection, keys.stream().map(SeriesKey::measurement).toArray(String[]::new)));
            statement.setArray(2, texts(connection, keys.stream().map(SeriesKey::tags).toArray(String[]::new)));
            statement.setArray(3, texts(connection, keys.stream().map(SeriesKey::field).toArray(String[]::new)));
            statement.setString(4, tenant.value());
            statement.setString(5, dataset);
            var ids = new HashMap<Integer, Long>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.put((int) rows.getLong(1) - 1, rows.getLong(2));
                }
            }
            return ids;
        }
    }

    private static void insertSeries(Connection connection, TenantId tenant, String dataset,
                                     Map<SeriesKey, FieldType> series) throws SQLException {
        try (var statement = connection.prepareStatement(INSERT_SERIES)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setArray(3, texts(connection, series.keySet().stream().map(SeriesKey::measurement).toArray(String[]::new)));
            statement.setArray(4, texts(connection, series.keySet().stream().map(SeriesKey::tags).toArray(String[]::new)));
            statement.setArray(5, texts(connection, series.keySet().stream().map(SeriesKey::field).toArray(String[]::new)));
            statement.setArray(6, texts(connection, series.values().stream().map(FieldType::lowercaseName).toArray(String[]::new)));
            statement.executeUpdate();
        }
    }

    /** The tag set as a JSON object, keys in sorted order (the point's tags already are). */
    static String tagsJson(List<Tag> tags) {
        var json = new StringBuilder(16 + tags.size() * 24).append('{');
        for (int i = 0; i < tags.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            quote(json, tags.get(i).key());
            json.append(':');
            quote(json, tags.get(i).value());
        }
        return json.append('}').toString();
    }

    private static void quote(StringBuilder json, String text) {
        json.append('"').append(JsonStringEncoder.getInstance().quoteAsString(text)).append('"');
    }

    static Array texts(Connection connection, String[] values) throws SQLException {
        return connection.unwrap(PGConnection.class).createArrayOf("text", values);
    }

    /** The batch's values split by storage column, as parallel primitive arrays. */
    private static final class ValueColumns {
        private final Column floats = new Column("f", "float8");
        private final Column integers = new Column("i", "bigint");
        private final Column booleans = new Column("b", "boolean");
        private final Column strings = new Column("s", "text");

        void add(long series, long time, FieldValue value) {
            switch (value) {
                case FieldValue.FloatValue v -> floats.add(series, time, v.value());
                case FieldValue.IntegerValue v -> integers.add(series, time, v.value());
                case FieldValue.UnsignedValue v -> integers.add(series, time, v.bits());
                case FieldValue.BooleanValue v -> booleans.add(series, time, v.value());
                case FieldValue.StringValue v -> strings.add(series, time, v.value());
            }
        }

        void insert(Connection connection, TenantId tenant, String dataset) throws SQLException {
            for (var column : List.of(floats, integers, booleans, strings)) {
                column.insert(connection, tenant, dataset);
            }
        }
    }

    private static final class Column {
        private final String name;
        private final String sqlType;
        private final LongList series = new LongList();
        private final LongList times = new LongList();
        private final List<Object> values = new ArrayList<>();

        Column(String name, String sqlType) {
            this.name = name;
            this.sqlType = sqlType;
        }

        void add(long seriesId, long time, Object value) {
            series.add(seriesId);
            times.add(time);
            values.add(value);
        }

        void insert(Connection connection, TenantId tenant, String dataset) throws SQLException {
            if (values.isEmpty()) {
                return;
            }
            if (values.size() < APPEND_FIRST_MIN_POINTS) {
                write(connection, UPSERT_POINTS, tenant, dataset);
                return;
            }
            // Not released: it ends with the transaction (at most one per value column).
            var savepoint = connection.setSavepoint();
            try {
                write(connection, APPEND_POINTS, tenant, dataset);
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                connection.rollback(savepoint);
                write(connection, UPSERT_POINTS, tenant, dataset);
            }
        }

        private void write(Connection connection, String sql, TenantId tenant, String dataset) throws SQLException {
            var pg = connection.unwrap(PGConnection.class);
            try (var statement = connection.prepareStatement(sql.formatted(name, sqlType))) {
                statement.setString(1, tenant.value());
                statement.setString(2, dataset);
                statement.setArray(3, pg.createArrayOf("int8", series.toArray()));
                statement.setArray(4, pg.createArrayOf("int8", times.toArray()));
                statement.setArray(5, pg.createArrayOf(pgElement(), primitive()));
                statement.executeUpdate();
            }
        }

        private String pgElement() {
            return switch (sqlType) {
                case "bigint" -> "int8";
                case "boolean" -> "bool";
                default -> sqlType;
            };
        }

        private Object primitive() {
            return switch (sqlType) {
                case "float8" -> values.stream().mapToDouble(v -> (Double) v).toArray();
                case "bigint" -> values.stream().mapToLong(v -> (Long) v).toArray();
                case "boolean" -> {
                    var array = new boolean[values.size()];
                    for (int i = 0; i < array.length; i++) {
                        array[i] = (Boolean) values.get(i);
                    }
                    yield array;
                }
                default -> values.toArray(String[]::new);
            };
        }
    }

    /** A growable long[]: no boxing for the two columns every point has. */
    private static final class LongList {
        private long[] values = new long[256];
        private int size;

        void add(long value) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
