package io.timestore.server.ingest;

import io.timestore.security.TenantId;
import io.timestore.server.compaction.BatchRows;
import io.timestore.server.points.FieldValue;
import io.timestore.server.points.LastWriteWins;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;

/**
 * A write's points grouped by series, each group ascending in time with the write's own repeats
 * resolved (the value written last wins), stored as one {@code point_batches} row (V38) per series
 * by one INSERT for the whole write (docs/data-plane.md, "Write path"). Not thread-safe: one per
 * write.
 *
 * <p>The write travels as flat arrays (all timestamps; the values of each type) and, per series,
 * where its points start and how many there are; PostgreSQL slices the arrays into the rows.
 * Row-level security checks each row (one per series, not per point).
 */
final class SeriesBatches {
    private static final int FLOAT = 1;
    private static final int INTEGER = 2;
    private static final int BOOLEAN = 3;
    private static final int STRING = 4;
    // The version is taken once per statement (a CTE with a volatile function is evaluated once),
    // after the write lock (BatchRows.WRITE_LOCK_CLASS) is held shared: the compactor's watermark
    // then never passes a version that is still being written.
    private static final String INSERT = """
            WITH v AS MATERIALIZED (
                SELECT nextval('point_batches_version_seq') AS version FROM (SELECT pg_advisory_xact_lock_shared(?, ?)) AS l),
            a AS MATERIALIZED (SELECT ?::bigint[] AS ts, ?::float8[] AS f, ?::bigint[] AS i, ?::boolean[] AS b, ?::text[] AS s)
            INSERT INTO point_batches (tenant_id, dataset_id, series_id, version, min_ts, max_ts, point_count, ts_ns, f, i, b, s)
            SELECT ?, ?, g.series_id, v.version, a.ts[g.lo], a.ts[g.lo + g.n - 1], g.n, a.ts[g.lo:g.lo + g.n - 1],
                   CASE g.kind WHEN 1 THEN a.f[g.vlo:g.vlo + g.n - 1] END, CASE g.kind WHEN 2 THEN a.i[g.vlo:g.vlo + g.n - 1] END,
                   CASE g.kind WHEN 3 THEN a.b[g.vlo:g.vlo + g.n - 1] END, CASE g.kind WHEN 4 THEN a.s[g.vlo:g.vlo + g.n - 1] END
            FROM v, a, unnest(?::bigint[], ?::int[], ?::int[], ?::int[], ?::int[]) AS g (series_id, lo, n, kind, vlo)
            """;

    private final Map<Long, Group> groups = new LinkedHashMap<>();

    /** Adds a point written after every point added before it. */
    void add(long series, long time, FieldValue value) {
        var group = groups.computeIfAbsent(series, id -> new Group(id, kind(value)));
        switch (value) {
            case FieldValue.FloatValue v -> group.add(time, Double.doubleToRawLongBits(v.value()), null);
            case FieldValue.IntegerValue v -> group.add(time, v.value(), null);
            case FieldValue.UnsignedValue v -> group.add(time, v.bits(), null);
            case FieldValue.BooleanValue v -> group.add(time, v.value() ? 1 : 0, null);
            case FieldValue.StringValue v -> group.add(time, 0, v.value());
        }
    }

    private static int kind(FieldValue value) {
        return switch (value) {
            case FieldValue.FloatValue v -> FLOAT;
            case FieldValue.IntegerValue v -> INTEGER;
            case FieldValue.UnsignedValue v -> INTEGER;
            case FieldValue.BooleanValue v -> BOOLEAN;
            case FieldValue.StringValue v -> STRING;
        };
    }

    /** Stores the groups, one row each, in one statement; the number of points stored (each series and time once). */
    int insert(Connection connection, TenantId tenant, String dataset) throws SQLException {
        if (groups.isEmpty()) {
            return 0;
        }
        var flat = new Flat(groups.size());
        for (var group : groups.values()) {
            flat.add(group);
        }
        var pg = connection.unwrap(PGConnection.class);
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setInt(1, BatchRows.WRITE_LOCK_CLASS);
            statement.setInt(2, BatchRows.WRITE_LOCK_KEY);
            statement.setArray(3, pg.createArrayOf("int8", Arrays.copyOf(flat.times, flat.points)));
            var floats = new double[flat.floats.size];
            Arrays.setAll(floats, f -> Double.longBitsToDouble(flat.floats.values[f]));
            statement.setArray(4, pg.createArrayOf("float8", floats));
            statement.setArray(5, pg.createArrayOf("int8", Arrays.copyOf(flat.integers.values, flat.integers.size)));
            var booleans = new boolean[flat.booleans.size];
            for (int b = 0; b < booleans.length; b++) {
                booleans[b] = flat.booleans.values[b] == 1;
            }
            statement.setArray(6, pg.createArrayOf("bool", booleans));
            statement.setArray(7, pg.createArrayOf("text", flat.strings.toArray(String[]::new)));
            statement.setString(8, tenant.value());
            statement.setString(9, dataset);
            statement.setArray(10, pg.createArrayOf("int8", flat.series));
            statement.setArray(11, pg.createArrayOf("int4", flat.starts));
            statement.setArray(12, pg.createArrayOf("int4", flat.counts));
            statement.setArray(13, pg.createArrayOf("int4", flat.kinds));
            statement.setArray(14, pg.createArrayOf("int4", flat.valueStarts));
            statement.executeUpdate();
        }
        return flat.points;
    }

    /** The statement's parameters: every group's points one after the other, and where each group starts (1-based). */
    private static final class Flat {
        final long[] series;
        final int[] starts;
        final int[] counts;
        final int[] kinds;
        final int[] valueStarts;
        long[] times = new long[1024];
        int points;
        final Longs floats = new Longs();
        final Longs integers = new Longs();
        final Longs booleans = new Longs();
        final List<String> strings = new ArrayList<>();
        private int next;

        Flat(int groups) {
            series = new long[groups];
            starts = new int[groups];
            counts = new int[groups];
            kinds = new int[groups];
            valueStarts = new int[groups];
        }

        void add(Group group) {
            var order = group.order();
            var values = switch (group.kind) {
                case FLOAT -> floats;
                case INTEGER -> integers;
                case BOOLEAN -> booleans;
                default -> null;
            };
            series[next] = group.series;
            starts[next] = points + 1;
            counts[next] = order.length;
            kinds[next] = group.kind;
            valueStarts[next] = (values == null ? strings.size() : values.size) + 1;
            next++;
            if (points + order.length > times.length) {
                times = Arrays.copyOf(times, Math.max(times.length * 2, points + order.length));
            }
            for (int index : order) {
                times[points++] = group.times[index];
                if (values == null) {
                    strings.add(group.strings.get(index));
                } else {
                    values.add(group.bits[index]);
                }
            }
        }
    }

    /** A growable long[]. */
    private static final class Longs {
        long[] values = new long[256];
        int size;

        void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }
    }

    /** One series' points in the order written. */
    private static final class Group {
        final long series;
        final int kind;
        long[] times = new long[16];
        long[] bits = new long[16];
        final List<String> strings = new ArrayList<>();
        int size;
        boolean ascending = true;

        Group(long series, int kind) {
            this.series = series;
            this.kind = kind;
        }

        void add(long time, long value, String text) {
            if (size == times.length) {
                times = Arrays.copyOf(times, size * 2);
                bits = Arrays.copyOf(bits, size * 2);
            }
            if (size > 0 && time <= times[size - 1]) {
                ascending = false;
            }
            times[size] = time;
            bits[size] = value;
            if (text != null) {
                strings.add(text);
            }
            size++;
        }

        /** The indexes of the points kept, by ascending time: of several points of one time, the last written. */
        int[] order() {
            if (ascending) {
                var all = new int[size];
                Arrays.setAll(all, i -> i);
                return all;
            }
            return LastWriteWins.survivors(times, size);
        }
    }
}
