package io.timestore.server.ingest;

import io.timestore.security.TenantId;
import io.timestore.server.compaction.PointLocks;
import io.timestore.server.points.FieldType;
import io.timestore.server.points.LastWriteWins;
import java.sql.Connection;
import java.sql.SQLException;
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
    // after the write lock (PointLocks.WRITE_LOCK_CLASS) is held shared: the compactor's watermark
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

    private final Group[] groups;

    /** The write's groups: one per series of {@code series}, whose ids are {@code ids} (by slot), each sized to its values. */
    SeriesBatches(long[] ids, SeriesSlots series) {
        groups = new Group[ids.length];
        for (int slot = 0; slot < ids.length; slot++) {
            groups[slot] = new Group(ids[slot], kind(series.slots().get(slot).type()), series.count(slot));
        }
    }

    /**
     * Adds a value of series {@code slot}, written after every value added before it: its 64 bits
     * as {@link Batch#bits} gives them, or its text for a string.
     */
    void add(int slot, long time, long bits, String text) {
        groups[slot].add(time, bits, text);
    }

    private static int kind(FieldType type) {
        return switch (type) {
            case FLOAT -> FLOAT;
            case INTEGER, UNSIGNED -> INTEGER;
            case BOOLEAN -> BOOLEAN;
            case STRING -> STRING;
        };
    }

    /** Stores the groups, one row each, in one statement; the number of points stored (each series and time once). */
    int insert(Connection connection, TenantId tenant, String dataset) throws SQLException {
        if (groups.length == 0) {
            return 0;
        }
        var flat = new Flat(groups);
        for (var group : groups) {
            flat.add(group);
        }
        var pg = connection.unwrap(PGConnection.class);
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setInt(1, PointLocks.WRITE_LOCK_CLASS);
            statement.setInt(2, PointLocks.WRITE_LOCK_KEY);
            statement.setArray(3, pg.createArrayOf("int8", exact(flat.times, flat.points)));
            statement.setArray(4, pg.createArrayOf("float8", exact(flat.floats, flat.floatCount)));
            statement.setArray(5, pg.createArrayOf("int8", exact(flat.integers, flat.integerCount)));
            statement.setArray(6, pg.createArrayOf("bool", exact(flat.booleans, flat.booleanCount)));
            statement.setArray(7, pg.createArrayOf("text", exact(flat.strings, flat.stringCount)));
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

    /** {@code array} (of a primitive or String type) if it has {@code length} elements, else a copy of its first {@code length}. */
    private static Object exact(Object array, int length) {
        if (java.lang.reflect.Array.getLength(array) == length) {
            return array;
        }
        var copy = java.lang.reflect.Array.newInstance(array.getClass().getComponentType(), length);
        System.arraycopy(array, 0, copy, 0, length);
        return copy;
    }

    /**
     * The statement's parameters: every group's points one after the other, and where each group
     * starts (1-based). Sized from the groups' point counts, so nothing grows; an array is cut to
     * its length ({@link #exact}) only when the write repeated a series' time.
     */
    private static final class Flat {
        final long[] series;
        final int[] starts;
        final int[] counts;
        final int[] kinds;
        final int[] valueStarts;
        final long[] times;
        int points;
        final double[] floats;
        int floatCount;
        final long[] integers;
        int integerCount;
        final boolean[] booleans;
        int booleanCount;
        final String[] strings;
        int stringCount;
        private int next;

        Flat(Group[] groups) {
            series = new long[groups.length];
            starts = new int[groups.length];
            counts = new int[groups.length];
            kinds = new int[groups.length];
            valueStarts = new int[groups.length];
            int[] ofKind = new int[STRING + 1];
            for (var group : groups) {
                ofKind[group.kind] += group.size;
            }
            times = new long[ofKind[FLOAT] + ofKind[INTEGER] + ofKind[BOOLEAN] + ofKind[STRING]];
            floats = new double[ofKind[FLOAT]];
            integers = new long[ofKind[INTEGER]];
            booleans = new boolean[ofKind[BOOLEAN]];
            strings = new String[ofKind[STRING]];
        }

        void add(Group group) {
            var order = group.order();
            int count = order == null ? group.size : order.length;
            series[next] = group.series;
            starts[next] = points + 1;
            counts[next] = count;
            kinds[next] = group.kind;
            valueStarts[next] = switch (group.kind) {
                case FLOAT -> floatCount;
                case INTEGER -> integerCount;
                case BOOLEAN -> booleanCount;
                default -> stringCount;
            } + 1;
            next++;
            for (int k = 0; k < count; k++) {
                int index = order == null ? k : order[k];
                times[points++] = group.times[index];
                long bits = group.bits[index];
                switch (group.kind) {
                    case FLOAT -> floats[floatCount++] = Double.longBitsToDouble(bits);
                    case INTEGER -> integers[integerCount++] = bits;
                    case BOOLEAN -> booleans[booleanCount++] = bits == 1;
                    default -> strings[stringCount++] = group.strings[index];
                }
            }
        }
    }

    /** One series' points in the order written. */
    private static final class Group {
        final long series;
        final int kind;
        final long[] times;
        final long[] bits;
        final String[] strings;
        int size;
        boolean ascending = true;

        /** A group of {@code capacity} points, the number the write has for this series. */
        Group(long series, int kind, int capacity) {
            this.series = series;
            this.kind = kind;
            this.times = new long[capacity];
            this.bits = new long[capacity];
            this.strings = kind == STRING ? new String[capacity] : null;
        }

        void add(long time, long value, String text) {
            if (size > 0 && time <= times[size - 1]) {
                ascending = false;
            }
            times[size] = time;
            bits[size] = value;
            if (strings != null) {
                strings[size] = text;
            }
            size++;
        }

        /**
         * The indexes of the points kept, by ascending time: of several points of one time, the
         * last written; null when that is every point in the order written.
         */
        int[] order() {
            if (ascending) {
                return null;
            }
            return LastWriteWins.survivors(times, size);
        }
    }
}
