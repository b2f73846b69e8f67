package io.timestore.server.db;

import java.sql.SQLException;

/**
 * An unexpected SQL error: a bug or a broken database, never the client's fault. It becomes a
 * generic 500 problem; the SQL state and message go to the server log only.
 */
public final class DatabaseFailure extends RuntimeException {
    public DatabaseFailure(SQLException cause) {
        super("database error (SQLState " + cause.getSQLState() + ")", cause);
    }

    public String sqlState() {
        return ((SQLException) getCause()).getSQLState();
    }
}
