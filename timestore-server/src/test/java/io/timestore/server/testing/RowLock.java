package io.timestore.server.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Row locks held by a superuser session of a test database in an open transaction. A request that
 * needs those rows waits inside its own transaction for as long as the test keeps them: a
 * deterministic "in the middle of a request" without sleeps. Closing (or {@link #release()}) rolls
 * the session's transaction back, which lets the waiting requests go on.
 */
public final class RowLock implements AutoCloseable {
    private final Connection session;
    private final Connection observer;
    private final int pid;

    private RowLock(Connection session, Connection observer, int pid) {
        this.session = session;
        this.observer = observer;
        this.pid = pid;
    }

    /**
     * Runs {@code selectForUpdate} (a {@code SELECT ... FOR UPDATE} with {@code ?} parameters) in a
     * new transaction of {@code database} and keeps the rows it locked locked.
     */
    public static RowLock hold(SharedPostgres postgres, String database, String selectForUpdate, String... parameters) {
        try {
            var session = postgres.superuser(database);
            session.setAutoCommit(false);
            try (var statement = session.prepareStatement(selectForUpdate)) {
                for (int i = 0; i < parameters.length; i++) {
                    statement.setString(i + 1, parameters[i]);
                }
                statement.executeQuery().close();
            }
            int pid;
            try (var rows = session.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rows.next();
                pid = rows.getInt(1);
            }
            // Another session, in autocommit: pg_stat_activity is read once per transaction.
            return new RowLock(session, postgres.superuser(database), pid);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot lock rows with " + selectForUpdate, e);
        }
    }

    /**
     * Locks {@code table} (a fixed name of the schema, never user input) {@code IN ACCESS EXCLUSIVE MODE}
     * in a new transaction of {@code database} and keeps it locked: every statement that reads the
     * table, plain SELECTs included, waits until {@link #release()}.
     */
    public static RowLock table(SharedPostgres postgres, String database, String table) {
        try {
            var session = postgres.superuser(database);
            session.setAutoCommit(false);
            try (var statement = session.createStatement()) {
                statement.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
            }
            int pid;
            try (var rows = session.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rows.next();
                pid = rows.getInt(1);
            }
            return new RowLock(session, postgres.superuser(database), pid);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot lock table " + table, e);
        }
    }

    /** Whether backend {@code pid} is running a statement now ({@code pg_stat_activity.state = 'active'}). */
    public boolean active(int backend) {
        try (var statement = observer.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND state = 'active'")) {
            statement.setInt(1, backend);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getInt(1) > 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_activity", e);
        }
    }

    /** The backend pid of the holding session (never one of the server's). */
    public int pid() {
        return pid;
    }

    /**
     * The backend pids of the sessions waiting for a lock this one holds, directly or behind
     * another waiting session (a second waiter for a row waits for the first).
     */
    public List<Integer> waiting() {
        try (var statement = observer.prepareStatement("""
                WITH RECURSIVE behind (pid) AS (
                    SELECT pid FROM pg_stat_activity WHERE ? = ANY (pg_blocking_pids(pid))
                    UNION
                    SELECT a.pid FROM pg_stat_activity a JOIN behind b ON b.pid = ANY (pg_blocking_pids(a.pid))
                )
                SELECT pid FROM behind
                """)) {
            statement.setInt(1, pid);
            var pids = new ArrayList<Integer>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    pids.add(rows.getInt(1));
                }
            }
            return pids;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_activity", e);
        }
    }

    /** Waits until {@code count} sessions wait behind this one; returns their pids. */
    public List<Integer> awaitWaiting(int count, Duration timeout) {
        Await.until(count + " session(s) wait for the rows locked by pid " + pid, timeout, () -> waiting().size() >= count);
        return waiting();
    }

    /** Rolls the holding transaction back: whoever waited for its rows goes on. */
    public void release() {
        try {
            session.rollback();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot release the row locks", e);
        }
    }

    @Override
    public void close() throws SQLException {
        try (session; observer) {
            if (!session.isClosed()) {
                session.rollback();
            }
        }
    }
}
