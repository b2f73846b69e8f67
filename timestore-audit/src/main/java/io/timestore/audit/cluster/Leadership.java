package io.timestore.audit.cluster;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * One instance at a time, across every server over the same PostgreSQL (docs/scaling.md): a
 * PostgreSQL session advisory lock on {@code key}, taken with {@code pg_try_advisory_lock} on a
 * connection of its own. Whoever holds it leads; PostgreSQL releases it when that session ends,
 * so a leader that dies (killed, network gone) hands the lead to the next instance that tries.
 *
 * <p>Two ways to use it:
 * <ul>
 *   <li><b>Held</b> ({@link #tryAcquire()}, {@link #isAlive()}, {@link #release()}): a long-lived
 *       leader (the audit sequencer, the delivery loop) keeps the lock and its connection between
 *       rounds, checks before each round that the connection still lives ({@link #isAlive()}:
 *       false means the lock was lost with its session) and may work on that connection
 *       ({@link #connection()}), so the lead and the work end together. Used by one thread.</li>
 *   <li><b>Per run</b> ({@link #runExclusively(Work)}): a scheduled job (retention) takes the lock
 *       for one run and gives it back; another instance's run meanwhile is skipped. Thread-safe:
 *       every call borrows its own connection.</li>
 * </ul>
 *
 * <p>The lock is always given back before its connection is closed: a pooled connection is not
 * closed but returned to its pool and would otherwise keep the lock for whoever borrows it next.
 */
public final class Leadership {
    private static final String TRY_LOCK = "SELECT pg_try_advisory_lock(?)";
    private static final String UNLOCK = "SELECT pg_advisory_unlock(?)";
    /** Seconds {@link Connection#isValid} may take before a held connection counts as lost. */
    private static final int VALIDITY_TIMEOUT_SECONDS = 5;

    /** Work done while holding the lock for one run. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws SQLException;
    }

    private final DataSource dataSource;
    private final long key;
    private Connection held;

    /**
     * @param dataSource where the lock connection comes from (a pool is fine: the lock is given
     *                   back before the connection returns to it)
     * @param key        the advisory lock key; each kind of leader has its own
     */
    public Leadership(DataSource dataSource, long key) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.key = key;
    }

    /** The advisory lock key. */
    public long key() {
        return key;
    }

    /**
     * Takes the lock unless this object holds it already: true when it is held afterwards. A
     * lost attempt returns its connection at once. Fails, holding nothing, when the database does.
     */
    public boolean tryAcquire() throws SQLException {
        if (held != null) {
            return true;
        }
        Connection candidate = dataSource.getConnection();
        try {
            candidate.setAutoCommit(true);
            if (!tryLock(candidate, key)) {
                candidate.close();
                return false;
            }
            held = candidate;
            return true;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(candidate);
            throw e;
        }
    }

    /** Whether this object holds the lock (as of its last acquire; see {@link #isAlive()}). */
    public boolean isHeld() {
        return held != null;
    }

    /**
     * Whether the lock is held on a connection that still answers. False when nothing is held,
     * and when the lock's connection broke: its session, and the lock with it, are gone (another
     * instance may lead already); the caller then {@link #release() releases} and steps down.
     */
    public boolean isAlive() {
        if (held == null) {
            return false;
        }
        try {
            return held.isValid(VALIDITY_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            return false;
        }
    }

    /** The connection that holds the lock; the leader may work on it between checks. */
    public Connection connection() {
        if (held == null) {
            throw new IllegalStateException("advisory lock " + key + " is not held");
        }
        return held;
    }

    /**
     * Gives the lock back and closes its connection (rolling back whatever transaction it was in).
     * Nothing happens when nothing is held; a dead connection lost the lock with its session.
     */
    public void release() {
        var connection = held;
        held = null;
        if (connection == null) {
            return;
        }
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
        } catch (SQLException ignored) {
            // Broken: the unlock below tells, and fails quietly too.
        }
        unlockQuietly(connection, key);
        closeQuietly(connection);
    }

    /**
     * Runs {@code work} if this instance can take the lock now, on this thread, and gives it back
     * afterwards: empty when another session holds it. The work uses its own connections; the
     * lock's connection only holds the lock. Independent of {@link #tryAcquire()}.
     */
    public <T> Optional<T> runExclusively(Work<T> work) throws SQLException {
        try (var connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            if (!tryLock(connection, key)) {
                return Optional.empty();
            }
            try {
                return Optional.of(work.run());
            } finally {
                unlockQuietly(connection, key);
            }
        }
    }

    private static boolean tryLock(Connection connection, long key) throws SQLException {
        try (var statement = connection.prepareStatement(TRY_LOCK)) {
            statement.setLong(1, key);
            try (var rows = statement.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    private static void unlockQuietly(Connection connection, long key) {
        try (var statement = connection.prepareStatement(UNLOCK)) {
            statement.setLong(1, key);
            statement.execute();
        } catch (SQLException broken) {
            // The session is gone, and its lock with it.
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Closing a dead connection: nothing left to release.
        }
    }
}
