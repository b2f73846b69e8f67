package io.timestore.server.db;

import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;

/**
 * A handle through which the database work of one request can be stopped from another thread,
 * e.g. when its HTTP client has gone away: {@link #cancel()} marks it cancelled and sends
 * PostgreSQL a cancel request for the statement running on the connection registered with
 * {@link #during}, if any (pgjdbc's {@link PGConnection#cancelQuery()}: the statement fails with
 * SQLSTATE 57014 and its transaction rolls back). Thread-safe.
 */
public final class Cancellation {
    private boolean cancelled;
    private Connection running;

    /** Marks the work cancelled and cancels the statement running now, if one is. Idempotent. */
    public synchronized void cancel() {
        cancelled = true;
        if (running != null) {
            try {
                running.unwrap(PGConnection.class).cancelQuery();
            } catch (SQLException e) {
                // The statement ends anyway when it finishes; the work sees isCancelled() at its next step.
            }
        }
    }

    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /**
     * Runs {@code work} on {@code connection} so that {@link #cancel()} cancels its statements; does
     * not start it when already cancelled. The connection is never cancelled after this returns.
     *
     * @throws Cancelled when the work was cancelled before it started
     */
    public <T> T during(Connection connection, TenantWork<T> work) throws SQLException {
        synchronized (this) {
            if (cancelled) {
                throw new Cancelled();
            }
            running = connection;
        }
        try {
            return work.run(connection);
        } finally {
            synchronized (this) {
                running = null;
            }
        }
    }

    /** Thrown instead of starting work that was already cancelled. */
    public static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("cancelled", null, false, false);
        }
    }
}
