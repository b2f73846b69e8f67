package io.timestore.server.limits;

import io.timestore.security.TenantId;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The SQL of {@code tenant_limits} (V35): one row of overrides per tenant at most. Runs in the
 * caller's transaction: the tenant's own to read ({@link #find}), the platform's to change. The
 * column names are {@link Limit}'s constants, never input.
 */
final class LimitStore {
    private static final String COLUMNS = Arrays.stream(Limit.values()).map(Limit::member).collect(Collectors.joining(", "));
    private static final String FIND = "SELECT " + COLUMNS + ", updated_at, updated_by FROM tenant_limits WHERE tenant_id = ?";
    private static final String PUT = """
            INSERT INTO tenant_limits (tenant_id, %1$s, updated_at, updated_by)
            VALUES (?, %2$s, ?, ?)
            ON CONFLICT (tenant_id) DO UPDATE SET (%1$s, updated_at, updated_by) = (%3$s, EXCLUDED.updated_at, EXCLUDED.updated_by)
            """.formatted(COLUMNS,
            Arrays.stream(Limit.values()).map(limit -> "?").collect(Collectors.joining(", ")),
            Arrays.stream(Limit.values()).map(limit -> "EXCLUDED." + limit.member()).collect(Collectors.joining(", ")));
    private static final String DELETE = "DELETE FROM tenant_limits WHERE tenant_id = ?";
    private static final String TENANT_EXISTS = "SELECT 1 FROM tenants WHERE id = ?";

    /** Whether {@code tenant} exists (on the platform path). */
    boolean tenantExists(Connection connection, TenantId tenant) throws SQLException {
        try (var statement = connection.prepareStatement(TENANT_EXISTS)) {
            statement.setString(1, tenant.value());
            try (var rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }

    /** The tenant's overrides, {@link Overrides#NONE} when it has none. */
    Overrides find(Connection connection, TenantId tenant) throws SQLException {
        try (var statement = connection.prepareStatement(FIND)) {
            statement.setString(1, tenant.value());
            try (var rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Overrides.NONE;
                }
                var values = new EnumMap<Limit, Long>(Limit.class);
                for (var limit : Limit.values()) {
                    long value = rows.getLong(limit.member());
                    if (!rows.wasNull()) {
                        values.put(limit, value);
                    }
                }
                return new Overrides(values, Optional.of(rows.getTimestamp("updated_at").toInstant()),
                        Optional.of(rows.getString("updated_by")));
            }
        }
    }

    /** Replaces the tenant's overrides with {@code overrides}' values. */
    void put(Connection connection, TenantId tenant, Overrides overrides, Instant at, String by) throws SQLException {
        try (var statement = connection.prepareStatement(PUT)) {
            int index = 1;
            statement.setString(index++, tenant.value());
            for (var limit : Limit.values()) {
                var value = overrides.values().get(limit);
                if (value == null) {
                    statement.setNull(index++, Types.BIGINT);
                } else {
                    statement.setLong(index++, value);
                }
            }
            statement.setTimestamp(index++, Timestamp.from(at));
            statement.setString(index, by);
            statement.executeUpdate();
        }
    }

    /** Removes the tenant's overrides; whether it had any. */
    boolean delete(Connection connection, TenantId tenant) throws SQLException {
        try (var statement = connection.prepareStatement(DELETE)) {
            statement.setString(1, tenant.value());
            return statement.executeUpdate() > 0;
        }
    }
}
