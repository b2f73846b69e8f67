package io.timestore.audit;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A fresh database with the audit schema on the shared embedded cluster: the library runs as
 * {@code runtime} (row-level security applies), tampering is done as {@code owner}.
 */
record AuditDatabase(String name, DataSource owner, DataSource runtime, DataSource superuser, int port) {

    /** Runs {@code sql} as the owner on the platform path (FORCE ROW LEVEL SECURITY binds the owner too). */
    int asOwner(String sql, Object... parameters) {
        try (Connection connection = owner.getConnection()) {
            connection.setAutoCommit(false);
            try (var platform = connection.prepareStatement("SELECT set_config('app.platform', 'on', true)")) {
                platform.execute();
            }
            int count;
            try (var statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    statement.setObject(i + 1, parameters[i]);
                }
                count = statement.execute() ? -1 : statement.getUpdateCount();
            }
            connection.commit();
            return count;
        } catch (SQLException e) {
            throw new IllegalStateException("owner statement failed: " + sql, e);
        }
    }

    /** A single number from a query run as the owner on the platform path. */
    long count(String sql, Object... parameters) {
        try (Connection connection = owner.getConnection()) {
            connection.setAutoCommit(false);
            try (var platform = connection.prepareStatement("SELECT set_config('app.platform', 'on', true)")) {
                platform.execute();
            }
            try (var statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    statement.setObject(i + 1, parameters[i]);
                }
                try (var rows = statement.executeQuery()) {
                    rows.next();
                    long value = rows.getLong(1);
                    connection.commit();
                    return value;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("owner query failed: " + sql, e);
        }
    }

    /** A single bytea value from a query run as the owner on the platform path. */
    byte[] bytes(String sql, Object... parameters) {
        try (Connection connection = owner.getConnection()) {
            connection.setAutoCommit(false);
            try (var platform = connection.prepareStatement("SELECT set_config('app.platform', 'on', true)")) {
                platform.execute();
            }
            try (var statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    statement.setObject(i + 1, parameters[i]);
                }
                try (var rows = statement.executeQuery()) {
                    rows.next();
                    byte[] value = rows.getBytes(1);
                    connection.commit();
                    return value;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("owner query failed: " + sql, e);
        }
    }
}
