package io.timestore.server.tenants;

import io.timestore.security.TenantId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The tenants table. Lookups of one tenant run in that tenant's transaction (its policy shows
 * the tenant its own row); everything else runs in platform transactions.
 */
final class TenantStore {
    private static final String COLUMNS = """
            id, name, status, audit_retention_days, legal_hold, revision, created_at, created_by, updated_at, updated_by
            """;
    // id is repeated although RLS filters on it: the planner uses the primary key, and the
    // query stays correct if a policy were ever dropped.
    private static final String FIND = "SELECT " + COLUMNS + " FROM tenants WHERE id = ?";
    private static final String STATUS = "SELECT status FROM tenants WHERE id = ?";

    Optional<Tenant> find(Connection connection, TenantId id) throws SQLException {
        try (var statement = connection.prepareStatement(FIND)) {
            statement.setString(1, id.value());
            try (var rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(read(rows)) : Optional.empty();
            }
        }
    }

    Optional<Tenant.Status> status(Connection connection, TenantId id) throws SQLException {
        try (var statement = connection.prepareStatement(STATUS)) {
            statement.setString(1, id.value());
            try (var rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(Tenant.Status.valueOf(rows.getString(1).toUpperCase(Locale.ROOT))) : Optional.empty();
            }
        }
    }

    static Tenant read(ResultSet rows) throws SQLException {
        int retention = rows.getInt("audit_retention_days");
        var auditRetention = rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(retention);
        return new Tenant(
                new TenantId(rows.getString("id")),
                rows.getString("name"),
                Tenant.Status.valueOf(rows.getString("status").toUpperCase(Locale.ROOT)),
                auditRetention,
                rows.getBoolean("legal_hold"),
                rows.getLong("revision"),
                rows.getTimestamp("created_at").toInstant(),
                rows.getString("created_by"),
                rows.getTimestamp("updated_at").toInstant(),
                rows.getString("updated_by"));
    }
}
