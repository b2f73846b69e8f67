package io.timestore.audit.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One explicit transaction around a unit of work on a borrowed connection: committed when the work
 * returns, rolled back when it throws. Explicit rather than autocommit, so that every statement of
 * the work sees the settings it made (the tenant or the platform path, {@code set_config(..., true)}):
 * the driver may send a Sync in the middle of a long multi-statement execution (to avoid filling
 * both socket buffers), which would commit an implicit transaction half way and drop them.
 */
public final class ExplicitTransaction {
    private ExplicitTransaction() {}

    /** A unit of work on an open transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction of {@code connection} (autocommit turned off): commits when
     * it returns, rolls back and rethrows when it throws.
     */
    public static <T> T run(Connection connection, Work<T> work) throws SQLException {
        connection.setAutoCommit(false);
        try {
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
    }
}
