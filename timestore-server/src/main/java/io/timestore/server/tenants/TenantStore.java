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

    private static final String INSERT = """
            INSERT INTO tenants (id, name, audit_retention_days, created_by, updated_by) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (id) DO NOTHING
            RETURNING\s""" + COLUMNS;
    private static final String PAGE = "SELECT " + COLUMNS + " FROM tenants WHERE id > ? ORDER BY id LIMIT ?";
    private static final String UPDATE = """
            UPDATE tenants SET name = ?, status = ?, audit_retention_days = ?, legal_hold = ?,
                               revision = revision + 1, updated_at = now(), updated_by = ?
            WHERE id = ? AND revision = ?
            RETURNING\s""" + COLUMNS;

    /** Empty when a tenant with this id exists already. */
    Optional<Tenant> insert(Connection connection, TenantId id, String name, java.util.OptionalInt retention, String by)
            throws SQLException {
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, id.value());
            statement.setString(2, name);
            if (retention.isPresent()) {
                statement.setInt(3, retention.getAsInt());
            } else {
                statement.setNull(3, java.sql.Types.INTEGER);
            }
            statement.setString(4, by);
            statement.setString(5, by);
            try (var rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(read(rows)) : Optional.empty();
            }
        }
    }

    java.util.List<Tenant> page(Connection connection, String afterId, int limit) throws SQLException {
        try (var statement = connection.prepareStatement(PAGE)) {
            statement.setString(1, afterId);
            statement.setInt(2, limit);
            var page = new java.util.ArrayList<Tenant>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    page.add(read(rows));
                }
            }
            return page;
        }
    }

    /** Empty when the revision is no longer current (a concurrent change won). */
    Optional<Tenant> update(Connection connection, Tenant changed, long expectedRevision, String by) throws SQLException {
        try (var statement = connection.prepareStatement(UPDATE)) {
            statement.setString(1, changed.name());
            statement.setString(2, changed.status().name().toLowerCase(Locale.ROOT));
            if (changed.auditRetentionDays().isPresent()) {
                statement.setInt(3, changed.auditRetentionDays().getAsInt());
            } else {
                statement.setNull(3, java.sql.Types.INTEGER);
            }
            statement.setBoolean(4, changed.legalHold());
            statement.setString(5, by);
            statement.setString(6, changed.id().value());
            statement.setLong(7, expectedRevision);
            try (var rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(read(rows)) : Optional.empty();
            }
        }
    }

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
