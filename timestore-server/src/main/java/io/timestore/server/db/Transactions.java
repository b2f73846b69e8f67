package io.timestore.server.db;

import io.timestore.security.TenantId;
import io.timestore.server.http.ProblemType;
import io.timestore.server.http.Unavailable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The only way tenant data is touched: one transaction, the tenant set for that transaction
 * alone with {@code set_config('app.tenant_id', ?, true)}, commit only if the work returns.
 *
 * <p>The setting is transaction-local ({@code is_local = true}), so a pooled connection can never
 * carry a tenant into its next use, whatever the work did. Row-level security policies read it;
 * without it they match no rows. Thread-safe.
 */
public final class Transactions {
    private static final String SET_TENANT = "SELECT set_config('app.tenant_id', ?, true), set_config('app.platform', 'off', true)";
    private static final String SET_PLATFORM = "SELECT set_config('app.tenant_id', '', true), set_config('app.platform', 'on', true)";
    private final DataSource dataSource;

    public Transactions(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Runs {@code work} in a transaction bound to {@code tenant}.
     *
     * @throws Unavailable when the database cannot be reached or the transaction fails for a
     *                     reason the client cannot fix
     */
    public <T> T inTenant(TenantId tenant, TenantWork<T> work) {
        Objects.requireNonNull(tenant, "tenant");
        return inTransaction(connection -> {
            try (var statement = connection.prepareStatement(SET_TENANT)) {
                statement.setString(1, tenant.value());
                statement.execute();
            }
            return work.run(connection);
        });
    }

    /**
     * Runs {@code work} as platform work: no tenant, and {@code app.platform = 'on'}, which only
     * the policies written for platform operators accept (tenant management, cross-tenant audit
     * reads). This is the one explicit cross-tenant path; callers must have checked that the
     * principal is a platform operator.
     */
    public <T> T asPlatform(TenantWork<T> work) {
        return inTransaction(connection -> {
            try (var statement = connection.prepareStatement(SET_PLATFORM)) {
                statement.execute();
            }
            return work.run(connection);
        });
    }

    /**
     * Runs {@code work} in a transaction with the tenant explicitly cleared: tenant tables show
     * no rows, even if some earlier misbehaving work left a session-level value behind.
     */
    public <T> T withoutTenant(TenantWork<T> work) {
        return inTransaction(connection -> {
            try (var statement = connection.prepareStatement(SET_TENANT)) {
                statement.setString(1, "");
                statement.execute();
            }
            return work.run(connection);
        });
    }

    private <T> T inTransaction(TenantWork<T> work) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw new Unavailable(ProblemType.DATABASE_UNAVAILABLE, "the database is not reachable; retry later", e);
        }
        try (connection) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            }
        } catch (SQLTransientException e) {
            throw new Unavailable(ProblemType.DATABASE_UNAVAILABLE, "the database is not reachable; retry later", e);
        } catch (SQLException e) {
            throw new DatabaseFailure(e);
        }
    }

    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }
}
