package io.timestore.server.compaction;

import io.timestore.server.chunks.ChunkCodec;
import io.timestore.server.testing.SharedPostgres;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a dataset holds, read past the server as the superuser: its hot rows and its decoded
 * chunks, per series key ({@code measurement,tags field}), as time -> value text.
 */
final class StoredPoints {
    /** One chunk's row: its series key, time range, count, and the times its data holds. */
    record ChunkRow(String series, long minTs, long maxTs, int count, List<Long> times) {}

    private final SharedPostgres postgres;
    private final String database;

    StoredPoints(SharedPostgres postgres, String database) {
        this.postgres = postgres;
        this.database = database;
    }

    /** What a read must see: each chunk's points, overlaid by the hot rows (a hot row is newer). */
    Map<String, Map<Long, String>> visible(String dataset) {
        var visible = new TreeMap<String, Map<Long, String>>();
        for (var entry : chunkValues(dataset).entrySet()) {
            visible.computeIfAbsent(entry.getKey(), key -> new TreeMap<>()).putAll(entry.getValue());
        }
        for (var entry : hot(dataset).entrySet()) {
            visible.computeIfAbsent(entry.getKey(), key -> new TreeMap<>()).putAll(entry.getValue());
        }
        return visible;
    }

    Map<String, Map<Long, String>> hot(String dataset) {
        var hot = new TreeMap<String, Map<Long, String>>();
        query("""
                SELECT s.measurement || s.tags::text || ' ' || s.field, p.ts_ns, s.type, p.f, p.i, p.b, p.s
                FROM points p JOIN series s ON s.id = p.series_id
                WHERE p.dataset_id = ?
                """, dataset, row -> {
            var value = switch (row.getString(3)) {
                case "float" -> Double.toString(row.getDouble(4));
                case "integer" -> Long.toString(row.getLong(5));
                case "unsigned" -> Long.toUnsignedString(row.getLong(5));
                case "boolean" -> Boolean.toString(row.getBoolean(6));
                default -> row.getString(7);
            };
            hot.computeIfAbsent(row.getString(1), key -> new TreeMap<>()).put(row.getLong(2), value);
        });
        return hot;
    }

    Map<String, Map<Long, String>> chunkValues(String dataset) {
        var values = new TreeMap<String, Map<Long, String>>();
        query("""
                SELECT s.measurement || s.tags::text || ' ' || s.field, c.data
                FROM point_chunks c JOIN series s ON s.id = c.series_id
                WHERE c.dataset_id = ?
                """, dataset, row -> {
            var points = ChunkCodec.decode(row.getBytes(2));
            var series = values.computeIfAbsent(row.getString(1), key -> new TreeMap<>());
            for (int i = 0; i < points.size(); i++) {
                if (series.put(points.timestamps()[i], text(points.value(i))) != null) {
                    throw new AssertionError("time " + points.timestamps()[i] + " of " + row.getString(1) + " is in two chunks");
                }
            }
        });
        return values;
    }

    List<ChunkRow> chunks(String dataset) {
        var chunks = new ArrayList<ChunkRow>();
        query("""
                SELECT s.measurement || s.tags::text || ' ' || s.field, c.min_ts, c.max_ts, c.point_count, c.data
                FROM point_chunks c JOIN series s ON s.id = c.series_id
                WHERE c.dataset_id = ? ORDER BY c.series_id, c.min_ts
                """, dataset, row -> {
            var times = new ArrayList<Long>();
            for (long time : ChunkCodec.decode(row.getBytes(5)).timestamps()) {
                times.add(time);
            }
            chunks.add(new ChunkRow(row.getString(1), row.getLong(2), row.getLong(3), row.getInt(4), times));
        });
        return chunks;
    }

    /** One summary column of the chunks of {@code dataset}, in (series, time) order, as text. */
    List<String> summaries(String dataset, String column) {
        var out = new ArrayList<String>();
        query("SELECT " + column + "::text FROM point_chunks WHERE dataset_id = ? ORDER BY series_id, min_ts", dataset,
                row -> out.add(row.getString(1)));
        return out;
    }

    private static String text(io.timestore.server.points.FieldValue value) {
        return switch (value) {
            case io.timestore.server.points.FieldValue.FloatValue f -> Double.toString(f.value());
            case io.timestore.server.points.FieldValue.IntegerValue i -> Long.toString(i.value());
            case io.timestore.server.points.FieldValue.UnsignedValue u -> u.toString();
            case io.timestore.server.points.FieldValue.BooleanValue b -> Boolean.toString(b.value());
            case io.timestore.server.points.FieldValue.StringValue s -> s.value();
        };
    }

    @FunctionalInterface
    private interface Row {
        void accept(java.sql.ResultSet row) throws SQLException;
    }

    private void query(String sql, String parameter, Row each) {
        try (var superuser = postgres.superuser(database); var statement = superuser.prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    each.accept(rows);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
