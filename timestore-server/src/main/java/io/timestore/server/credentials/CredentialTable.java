package io.timestore.server.credentials;

import io.timestore.security.TenantId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The statements every credential table answers the same way: a page of the tenant's credentials
 * newest first (the shared creation cursor), and revocation. Table and column names are the
 * kind's constants, never input; values are parameters. Runs in the caller's tenant transaction.
 * Thread-safe.
 */
public final class CredentialTable {
    private static final Pattern IDENTIFIERS = Pattern.compile("[a-z_]+(, [a-z_]+)*");

    /** Maps a row to the kind's listing record, given the common part already read. */
    @FunctionalInterface
    public interface Rows<T> {
        T map(Credential credential, ResultSet rows) throws SQLException;
    }

    private final String page;
    private final String revoke;
    private final String exists;

    /**
     * @param table       the table, e.g. {@code api_tokens}
     * @param kindColumns the kind's own columns the listing reads, e.g. {@code permissions, last_used_at}
     */
    public CredentialTable(String table, String kindColumns) {
        if (!IDENTIFIERS.matcher(table).matches() || !IDENTIFIERS.matcher(kindColumns).matches()) {
            throw new IllegalArgumentException("credential table and columns must be plain identifiers: " + table + " / " + kindColumns);
        }
        // tenant_id is repeated although RLS filters on it: the (tenant_id, created_at, id) index
        // serves the page, and the query stays correct if a policy were ever dropped.
        this.page = """
                SELECT %s, %s
                FROM %s
                WHERE tenant_id = ? AND (?::timestamptz IS NULL OR (created_at, id) < (?::timestamptz, ?))
                ORDER BY created_at DESC, id DESC
                LIMIT ?
                """.formatted(Credential.COLUMNS, kindColumns, table);
        this.revoke = """
                UPDATE %s SET revoked_at = now(), revoked_by = ?
                WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL
                """.formatted(table);
        this.exists = "SELECT 1 FROM %s WHERE tenant_id = ? AND id = ?".formatted(table);
    }

    /** Up to {@code limit} of the tenant's credentials created before the position, newest first. */
    public <T> List<T> page(Connection connection, TenantId tenant, Optional<Instant> afterCreatedAt,
                            Optional<String> afterId, int limit, Rows<T> kind) throws SQLException {
        try (var statement = connection.prepareStatement(page)) {
            var after = afterCreatedAt.map(Timestamp::from).orElse(null);
            statement.setString(1, tenant.value());
            statement.setTimestamp(2, after);
            statement.setTimestamp(3, after);
            statement.setString(4, afterId.orElse(""));
            statement.setInt(5, limit);
            var page = new ArrayList<T>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    page.add(kind.map(Credential.from(rows), rows));
                }
            }
            return page;
        }
    }

    /** Empty when the tenant has no such credential; true when this call revoked it, false when it already was. */
    Optional<Boolean> revoke(Connection connection, TenantId tenant, String id, String revokedBy) throws SQLException {
        try (var statement = connection.prepareStatement(revoke)) {
            statement.setString(1, revokedBy);
            statement.setString(2, tenant.value());
            statement.setString(3, id);
            if (statement.executeUpdate() == 1) {
                return Optional.of(true);
            }
        }
        try (var statement = connection.prepareStatement(exists)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            try (var rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(false) : Optional.empty();
            }
        }
    }
}
