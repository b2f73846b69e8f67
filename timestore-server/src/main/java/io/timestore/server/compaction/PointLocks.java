package io.timestore.server.compaction;

import io.timestore.security.TenantId;
import io.timestore.server.db.TenantWork;
import io.timestore.server.problems.Busy;
import io.timestore.server.problems.ProblemType;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The two transaction-scoped advisory locks that order the work on points (docs/data-plane.md,
 * "Locks and how long they are waited for"): the write lock, which every write holds shared and
 * the compactor takes exclusively for its watermark, and a dataset's chunk lock, which everything
 * that rewrites chunks or removes points takes exclusively. The server waits for either for a
 * bounded time only: a transaction that holds one for long (a hand-written transaction on the
 * {@code points} view left open, a huge delete) then costs a skipped compaction pass or a
 * {@code dataset_busy} answer, never every write queued behind a waiter for as long as it stays open.
 */
public final class PointLocks {
    /**
     * The class of the advisory lock a write holds shared while it takes its version and inserts
     * (until it commits), and the compactor takes exclusively to read its watermark: every version
     * at or below the watermark is then committed or rolled back ("ptbw"). The {@code points}
     * view's INSERT trigger (V38) takes it too, by these numbers.
     */
    public static final int WRITE_LOCK_CLASS = 0x70746277;
    /** The key of that lock within its class: one for all writes. */
    public static final int WRITE_LOCK_KEY = 0;
    /**
     * How long a pass waits for the writes in progress to commit. Writes that arrive meanwhile
     * queue behind the waiting pass (PostgreSQL grants a lock in the order asked), so this is also
     * the longest a write waits for a pass; a server write holds the lock for milliseconds.
     */
    static final Duration WRITE_LOCK_WAIT = Duration.ofSeconds(1);
    /**
     * How long anything of the server waits for a dataset's chunk lock: a compaction transaction
     * holds it for tens of milliseconds, a deletion or a retention batch for as long as it runs.
     */
    public static final Duration CHUNK_LOCK_WAIT = Duration.ofSeconds(5);

    // "ptch": the class of the chunk lock; the key is hashtext of "tenant/dataset" (V43's trigger
    // computes the same).
    private static final int CHUNKS_LOCK_CLASS = 0x70746368;
    // lock_timeout for the lock statement alone, in the same round trip: the transaction's later
    // statements wait as the role's or database's setting says (SET LOCAL ... TO DEFAULT restores
    // that, not a session's own SET, which the server never makes).
    private static final String BOUNDED = """
            SELECT set_config('lock_timeout', ?, true); SELECT %s; SET LOCAL lock_timeout TO DEFAULT""";
    private static final String CHUNKS_LOCK = BOUNDED.formatted("pg_advisory_xact_lock(?, hashtext(?))");
    private static final String WRITE_LOCK = BOUNDED.formatted("pg_advisory_xact_lock(?, ?)");
    private static final String NEXT_VERSION = "SELECT nextval('point_batches_version_seq')";
    private static final String BOUND_WAITS = "SELECT set_config('lock_timeout', ?, true)";
    private static final String UNBOUND_WAITS = "SET LOCAL lock_timeout TO DEFAULT";
    /** PostgreSQL's lock_not_available: lock_timeout ran out. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private PointLocks() {}

    /**
     * Takes the dataset's chunk lock until the caller's transaction ends, waiting for the delete,
     * retention or compaction transaction that holds it at most {@link #CHUNK_LOCK_WAIT}. A
     * compaction group and a delete both rewrite chunks by deleting a chunk row and inserting new
     * ones, and a statement does not see rows inserted by a transaction that committed after it
     * began: without the lock, a delete waiting on a chunk a group replaced found it gone and left
     * the range's points in the group's new chunk, and a group waiting on a chunk a delete rewrote
     * lost that chunk's other points (docs/data-plane.md, "Deletes"). Taken first in the
     * transaction (READ COMMITTED), every later statement sees what the other committed. Writes do
     * not take it.
     *
     * @throws Busy when the wait ran out (the transaction is aborted, and must roll back)
     */
    public static void lockChunks(Connection connection, TenantId tenant, String dataset) throws SQLException {
        busyWhenTimedOut("other work on the dataset's points (a deletion, retention, compaction, or a transaction on the points "
                + "view) held it for more than %d s; nothing was changed, retry later".formatted(CHUNK_LOCK_WAIT.toSeconds()), () -> {
            try (var lock = connection.prepareStatement(CHUNKS_LOCK)) {
                lock.setString(1, Long.toString(CHUNK_LOCK_WAIT.toMillis()));
                lock.setInt(2, CHUNKS_LOCK_CLASS);
                lock.setString(3, tenant.value() + "/" + dataset);
                return lock.execute();
            }
        });
    }

    /**
     * The version watermark of a pass: every batch row at or below it is committed (or rolled back
     * and gone). Waits for the writes in progress (they hold the write lock shared), at most
     * {@link #WRITE_LOCK_WAIT}; later writes take higher versions.
     *
     * @throws Busy when the wait ran out
     */
    static long watermark(Connection connection) throws SQLException {
        busyWhenTimedOut("a write held the write lock for more than %d ms".formatted(WRITE_LOCK_WAIT.toMillis()), () -> {
            try (var lock = connection.prepareStatement(WRITE_LOCK)) {
                lock.setString(1, Long.toString(WRITE_LOCK_WAIT.toMillis()));
                lock.setInt(2, WRITE_LOCK_CLASS);
                lock.setInt(3, WRITE_LOCK_KEY);
                return lock.execute();
            }
        });
        try (var statement = connection.prepareStatement(NEXT_VERSION); var rows = statement.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /**
     * Runs {@code work} with every lock wait of its statements bounded by {@link #CHUNK_LOCK_WAIT}.
     * For a dataset's deletion, which locks the dataset's row after taking the chunk lock: writes
     * keep taking that row shared, and PostgreSQL does not hold a new shared lock back for a
     * waiting FOR UPDATE, so without a bound the deletion could keep the chunk lock for as long as
     * writes overlap.
     *
     * @throws Busy when a wait ran out (the transaction is aborted, and must roll back)
     */
    public static <T> T withinChunkLockWait(Connection connection, TenantWork<T> work) throws SQLException {
        try (var bound = connection.prepareStatement(BOUND_WAITS)) {
            bound.setString(1, Long.toString(CHUNK_LOCK_WAIT.toMillis()));
            bound.execute();
        }
        T result = busyWhenTimedOut("writes or other work held the dataset for more than %d s; nothing was changed, retry later"
                .formatted(CHUNK_LOCK_WAIT.toSeconds()), () -> work.run(connection));
        try (var unbound = connection.prepareStatement(UNBOUND_WAITS)) {
            unbound.execute();
        }
        return result;
    }

    /** Statements whose lock waits are bounded. */
    @FunctionalInterface
    private interface Bounded<T> {
        T run() throws SQLException;
    }

    /** What {@code statements} return; {@link Busy} with {@code detail} when a lock wait of theirs ran out. */
    private static <T> T busyWhenTimedOut(String detail, Bounded<T> statements) throws SQLException {
        try {
            return statements.run();
        } catch (SQLException e) {
            if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                throw new Busy(ProblemType.DATASET_BUSY, detail, e);
            }
            throw e;
        }
    }
}
