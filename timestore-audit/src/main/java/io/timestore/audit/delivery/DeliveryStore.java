package io.timestore.audit.delivery;

import io.timestore.audit.store.ExplicitTransaction;
import io.timestore.audit.store.PlatformPath;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import javax.sql.DataSource;

/**
 * The SQL of delivery: partition heads, the sealed events after a cursor, and the durable cursors
 * in {@code audit_delivery_cursors} (audit schema version 6). Every statement runs in a short
 * transaction of its own on the explicit platform path ({@link PlatformPath}), as the sequencer's
 * do, through the runtime role: the table has row-level security like the other audit tables, and
 * no connection is held while a sink works.
 *
 * <p>Thread-safe: each call borrows a connection from the data source.
 */
public final class DeliveryStore {
    /**
     * Distinct partitions of {@code audit_seals} by a loose index scan of its primary key, with their
     * seq range: each end one seal read by the primary key (run after {@link #ORDERED_SCANS}). Public
     * so that a plan check runs this very statement (no parameters).
     */
    public static final String HEADS = """
            WITH RECURSIVE p AS (
                (SELECT tenant_id FROM audit_seals ORDER BY tenant_id LIMIT 1)
                UNION ALL
                SELECT (SELECT s.tenant_id FROM audit_seals s WHERE s.tenant_id > p.tenant_id ORDER BY s.tenant_id LIMIT 1)
                FROM p WHERE p.tenant_id IS NOT NULL)
            SELECT p.tenant_id,
                   (SELECT s.seq FROM audit_seals s WHERE s.tenant_id = p.tenant_id ORDER BY s.seq LIMIT 1),
                   (SELECT s.seq FROM audit_seals s WHERE s.tenant_id = p.tenant_id ORDER BY s.seq DESC LIMIT 1)
            FROM p WHERE p.tenant_id IS NOT NULL
            """;
    /**
     * Each cursor of a sink (or of every sink: parameters 1 and 2 NULL) with its partition's head
     * (the newest seal) and the sealing time of the oldest seal after the cursor, each one seal read
     * by the primary key (run after {@link #ORDERED_SCANS}). Public so that a plan check runs this
     * very statement.
     */
    public static final String STATUS = """
            SELECT c.sink, c.tenant_id, c.delivered_seq, c.delivered_at, c.parked_at, c.parked_reason,
                   coalesce((SELECT s.seq FROM audit_seals s WHERE s.tenant_id = c.tenant_id ORDER BY s.seq DESC LIMIT 1), 0),
                   coalesce(extract(epoch FROM clock_timestamp() - (
                       SELECT s.sealed_at FROM audit_seals s WHERE s.tenant_id = c.tenant_id AND s.seq > c.delivered_seq
                       ORDER BY s.seq LIMIT 1)), 0)
            FROM audit_delivery_cursors c
            WHERE (?::text IS NULL OR c.sink = ?::text)
            ORDER BY c.sink, c.tenant_id
            """;
    /**
     * Run first in the transaction of {@link #HEADS}, {@link #STATUS} and of a batch's reads (the settings end with it):
     * no bitmap scans and no sorts, so each "first or last seal of a partition" is read by an ordered
     * scan of the primary key that stops at its one row. Without them, on a partition the statistics
     * did not know yet (a tenant's first burst), PostgreSQL read every seal of the partition in a
     * bitmap scan and sorted them to keep one: the row-level security filter makes it expect about
     * one row, so the LIMIT saves nothing in its estimate. Both queries run once per delivery round
     * and so read the whole backlog each round (3,000 seal rows per lookup for a partition of 3,000
     * in DeliveryStoreTest; ~6.75 ms per status call in DeliveryLoad's {@code steps} phase).
     */
    public static final String ORDERED_SCANS = "SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_sort', 'off', true)";
    private static final String ENSURE =
            "INSERT INTO audit_delivery_cursors (sink, tenant_id, delivered_seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
    /**
     * A cursor of a sink that starts at the latest event: at the partition's last seq sealed at or
     * before the sink's start, which is when its first cursor was created (whichever instance, in
     * whichever round, created it), or {@code ?} when it has none yet. A partition sealed only after
     * that gets 0. The newest seals are read first, so only what was sealed since the start is scanned.
     */
    private static final String ENSURE_LATEST = """
            INSERT INTO audit_delivery_cursors (sink, tenant_id, delivered_seq)
            SELECT ?, ?, coalesce((
                SELECT s.seq FROM audit_seals s
                WHERE s.tenant_id = ? AND s.sealed_at <= coalesce(
                    (SELECT min(c.created_at) FROM audit_delivery_cursors c WHERE c.sink = ?), ?::timestamptz)
                ORDER BY s.seq DESC LIMIT 1), 0)
            ON CONFLICT DO NOTHING
            """;
    /**
     * Run first in the transaction of {@link #ADVANCE}: its commit does not wait for the WAL to reach
     * the disk (the write-ahead log writer flushes it within {@code 3 × wal_writer_delay}, 600 ms by
     * default). A cursor is a position, not history: a crash of PostgreSQL itself (not of Timestore,
     * whose committed transactions PostgreSQL keeps) can take it back to where it stood up to that
     * long before, and those batches are delivered again, as at-least-once allows. The synchronous
     * commit was the worker's longest wait after the sink's own (DeliveryLoad's {@code steps} phase).
     */
    public static final String NO_FLUSH_WAIT = "SELECT set_config('synchronous_commit', 'off', true)";
    private static final String ADVANCE = """
            UPDATE audit_delivery_cursors SET delivered_seq = ?, delivered_at = clock_timestamp()
            WHERE sink = ? AND tenant_id = ? AND delivered_seq < ?
            """;
    private static final String PARK = """
            UPDATE audit_delivery_cursors SET parked_at = clock_timestamp(), parked_reason = ?
            WHERE sink = ? AND tenant_id = ?
            """;
    private static final String RESUME = """
            UPDATE audit_delivery_cursors SET parked_at = NULL, parked_reason = NULL
            WHERE sink = ? AND (?::text IS NULL OR tenant_id = ?::text) AND parked_at IS NOT NULL
            """;
    private static final String HELD = """
            SELECT count(*), min(delivered_seq) FROM audit_delivery_cursors WHERE tenant_id = ? AND sink = ANY (?)
            """;
    /** The longest refusal text kept with a parked cursor. */
    static final int MAX_REASON = 500;

    /** A partition that has sealed events, and their seq range. */
    public record Head(String partition, long firstSeq, long lastSeq) {}

    /**
     * Sealed events of a partition that will never be delivered because they are no longer stored:
     * every {@code seq} strictly between {@code afterSeq} and {@code nextSeq}.
     */
    public record Gap(long afterSeq, long nextSeq) {
        public Gap {
            if (nextSeq <= afterSeq + 1) {
                throw new IllegalArgumentException("a gap needs at least one missing seq (" + afterSeq + ".." + nextSeq + ")");
            }
        }

        /** How many events are missing. */
        public long missing() {
            return nextSeq - afterSeq - 1;
        }
    }

    /**
     * A batch read for delivery.
     *
     * @param events     the sealed events after the cursor, in seq order (at most the batch size), without
     *                   the seals whose event is no longer stored
     * @param throughSeq the last seq the batch covers, its missing events included: where the cursor
     *                   goes once the events are acknowledged (the cursor itself when nothing was read)
     * @param gaps       every run of missing seqs up to {@code throughSeq}, in order: before the first
     *                   event (retention purged events and seals the sink had not received), between two
     *                   events or after the last one (a seal without its event)
     */
    public record Batch(List<SealedEvent> events, long throughSeq, List<Gap> gaps) {
        public Batch {
            events = List.copyOf(events);
            gaps = List.copyOf(gaps);
        }

        /** Whether any event after the cursor, up to {@link #throughSeq}, is missing. */
        public boolean gap() {
            return !gaps.isEmpty();
        }
    }

    private final DataSource dataSource;

    /** @param dataSource connections as the runtime role; stored events are read as {@link SealedEvent}s */
    public DeliveryStore(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    private <T> T onPlatformPath(ExplicitTransaction.Work<T> work) {
        try (var connection = dataSource.getConnection()) {
            return ExplicitTransaction.run(connection, c -> {
                PlatformPath.enter(c);
                return work.run(c);
            });
        } catch (SQLException e) {
            throw new DeliveryStoreFailure("audit delivery store: " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /**
     * Runs one data-changing statement with {@code parameters} bound in order ({@code null} binds a
     * text NULL, as every nullable parameter here is text) and returns the rows it changed.
     */
    private static int update(Connection connection, String sql, Object... parameters) throws SQLException {
        try (var statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                switch (parameters[i]) {
                    case null -> statement.setNull(i + 1, Types.VARCHAR);
                    case String text -> statement.setString(i + 1, text);
                    case Long number -> statement.setLong(i + 1, number);
                    case Timestamp time -> statement.setTimestamp(i + 1, time);
                    default -> throw new IllegalArgumentException("no binding for " + parameters[i].getClass());
                }
            }
            return statement.executeUpdate();
        }
    }

    /** Runs {@code settings}, a {@code SELECT set_config(..., true)}: settings for the rest of the transaction. */
    private static void transactionSettings(Connection connection, String settings) throws SQLException {
        try (var statement = connection.prepareStatement(settings); var rows = statement.executeQuery()) {
            rows.next();
        }
    }

    /** Every partition with sealed events, keyed by partition. */
    public Map<String, Head> heads() {
        return onPlatformPath(connection -> {
            transactionSettings(connection, ORDERED_SCANS);
            var heads = new LinkedHashMap<String, Head>();
            try (var statement = connection.prepareStatement(HEADS);
                 var rows = statement.executeQuery()) {
                while (rows.next()) {
                    heads.put(rows.getString(1), new Head(rows.getString(1), rows.getLong(2), rows.getLong(3)));
                }
            }
            return heads;
        });
    }

    /**
     * Up to {@code limit} sealed events of {@code partition} after {@code afterSeq}, with their seals;
     * parsed when {@code parse} is set or their text is not their writer's ({@link SealedEvent#read}).
     *
     * @throws IllegalArgumentException if an event that had to be parsed cannot be read
     */
    public Batch read(String partition, long afterSeq, int limit, boolean parse) {
        long upTo = afterSeq > Long.MAX_VALUE - limit ? Long.MAX_VALUE : afterSeq + limit;
        return onPlatformPath(connection -> {
            transactionSettings(connection, ORDERED_SCANS);
            var batch = BatchRead.read(connection, partition, afterSeq, upTo, limit, parse);
            if (batch.throughSeq() == afterSeq && upTo != Long.MAX_VALUE) {
                // Nothing in the next LIMIT seqs: a purged run, or the partition's end. Look further.
                batch = BatchRead.read(connection, partition, afterSeq, Long.MAX_VALUE, limit, parse);
            }
            return batch;
        });
    }

    /** The cursors of {@code sink} (or of every sink when empty), with their lag. */
    public List<DeliveryCursor> cursors(Optional<String> sink) {
        return onPlatformPath(connection -> {
            transactionSettings(connection, ORDERED_SCANS);
            var cursors = new ArrayList<DeliveryCursor>();
            try (var statement = connection.prepareStatement(STATUS)) {
                statement.setString(1, sink.orElse(null));
                statement.setString(2, sink.orElse(null));
                try (var rows = statement.executeQuery()) {
                    while (rows.next()) {
                        cursors.add(cursor(rows));
                    }
                }
            }
            return cursors;
        });
    }

    private static DeliveryCursor cursor(ResultSet rows) throws SQLException {
        long delivered = rows.getLong(3);
        long head = rows.getLong(7);
        double lagSeconds = head > delivered ? rows.getDouble(8) : 0;
        return new DeliveryCursor(rows.getString(1), rows.getString(2), delivered, head,
                Duration.ofNanos((long) (Math.max(0, lagSeconds) * 1e9)), instant(rows.getTimestamp(4)),
                instant(rows.getTimestamp(5)), Optional.ofNullable(rows.getString(6)));
    }

    private static Optional<Instant> instant(Timestamp timestamp) {
        return Optional.ofNullable(timestamp).map(Timestamp::toInstant);
    }

    /** Creates the cursor of ({@code sink}, {@code partition}) at {@code deliveredSeq} unless it exists. */
    public void ensure(String sink, String partition, long deliveredSeq) {
        onPlatformPath(connection -> {
            return update(connection, ENSURE, sink, partition, deliveredSeq);
        });
    }

    /**
     * Creates the cursor of ({@code sink}, {@code partition}) for a sink that starts at the latest
     * event, unless it exists: at the last seq the partition had sealed when the sink started. The
     * sink's start is the creation of its first cursor, durable and shared by every instance, so a
     * round interrupted after some cursors, a restart or a second instance racing for the lead all
     * place the remaining cursors as the first round would have; {@code firstRound} (the database
     * time of this instance's first round for the sink) counts only while the sink has no cursor at
     * all. A partition whose events were all sealed after the start begins at 0: it gets everything.
     */
    public void ensureLatest(String sink, String partition, Instant firstRound) {
        onPlatformPath(connection -> {
            return update(connection, ENSURE_LATEST, sink, partition, partition, sink, Timestamp.from(firstRound));
        });
    }

    /** The database's current time (the clock that stamps seals and cursors). */
    public Instant now() {
        return onPlatformPath(connection -> {
            try (var statement = connection.prepareStatement("SELECT clock_timestamp()"); var rows = statement.executeQuery()) {
                rows.next();
                return rows.getTimestamp(1).toInstant();
            }
        });
    }

    /**
     * Moves the cursor forward to {@code deliveredSeq}; never back. Committed without waiting for the
     * WAL flush ({@link #NO_FLUSH_WAIT}): only a crash of PostgreSQL can lose the last moves, and then
     * their batches are delivered again.
     */
    public void advance(String sink, String partition, long deliveredSeq) {
        onPlatformPath(connection -> {
            transactionSettings(connection, NO_FLUSH_WAIT);
            return update(connection, ADVANCE, deliveredSeq, sink, partition, deliveredSeq);
        });
    }

    /** Parks the cursor: the loop skips it until {@link #resume}. */
    public void park(String sink, String partition, String reason) {
        var kept = reason == null || reason.isBlank() ? "refused" : reason;
        var shortened = kept.length() > MAX_REASON ? kept.substring(0, MAX_REASON) : kept;
        onPlatformPath(connection -> {
            return update(connection, PARK, shortened, sink, partition);
        });
    }

    /** Resumes the parked cursors of {@code sink} (one partition's, or all); returns how many. */
    public int resume(String sink, Optional<String> partition) {
        return onPlatformPath(connection -> {
            return update(connection, RESUME, sink, partition.orElse(null), partition.orElse(null));
        });
    }

    /**
     * The last seq of {@code partition} that every one of {@code sinks} has acknowledged: retention
     * may remove events up to it, not beyond. Empty when {@code sinks} is empty (nothing holds);
     * 0 when one of them has no cursor for the partition yet (it will start from the oldest event).
     */
    public OptionalLong deliveredByAll(String partition, Collection<String> sinks) {
        if (sinks.isEmpty()) {
            return OptionalLong.empty();
        }
        var names = List.copyOf(new java.util.LinkedHashSet<>(sinks));
        return onPlatformPath(connection -> {
            try (var statement = connection.prepareStatement(HELD)) {
                statement.setString(1, partition);
                statement.setArray(2, connection.createArrayOf("text", names.toArray()));
                try (var rows = statement.executeQuery()) {
                    rows.next();
                    long withCursor = rows.getLong(1);
                    return withCursor < names.size() ? OptionalLong.of(0) : OptionalLong.of(rows.getLong(2));
                }
            }
        });
    }
}
