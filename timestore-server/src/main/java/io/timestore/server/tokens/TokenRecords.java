package io.timestore.server.tokens;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.timestore.security.TenantId;
import io.timestore.security.TokenPermission;
import io.timestore.security.tokens.ApiTokenStore;
import io.timestore.security.tokens.StoredApiToken;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.CreationPages;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The api_tokens table. Authentication finds a token by id on the platform path (the tenant is not
 * known yet); everything else runs in the owning tenant's transaction. Never caches, so a
 * revocation is seen by the next request. Thread-safe.
 */
public final class TokenRecords implements ApiTokenStore {
    private static final String FIND = """
            SELECT tenant_id, id, name, hash, permissions, expires_at, revoked_at FROM api_tokens WHERE id = ?
            """;
    private static final String INSERT = """
            INSERT INTO api_tokens (tenant_id, id, name, hash, permissions, expires_at, created_by)
            VALUES (?, ?, ?, ?, ?::jsonb, ?, ?)
            RETURNING created_at
            """;
    // tenant_id is repeated although RLS filters on it: the (tenant_id, created_at, id) index
    // serves the page, and the query stays correct if a policy were ever dropped.
    private static final String PAGE = """
            SELECT id, name, permissions, expires_at, created_at, created_by, revoked_at, revoked_by, last_used_at
            FROM api_tokens
            WHERE tenant_id = ? AND (?::timestamptz IS NULL OR (created_at, id) < (?::timestamptz, ?))
            ORDER BY created_at DESC, id DESC
            LIMIT ?
            """;
    private static final String REVOKE = """
            UPDATE api_tokens SET revoked_at = now(), revoked_by = ?
            WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL
            """;
    private static final String EXISTS = "SELECT revoked_at IS NOT NULL FROM api_tokens WHERE tenant_id = ? AND id = ?";
    private static final String TOUCH = """
            UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)
            """;

    /** A token as listed: everything but the hash. */
    public record Listed(String id, String name, List<TokenPermission> permissions, Instant expiresAt, Instant createdAt,
                         String createdBy, Optional<Instant> revokedAt, Optional<String> revokedBy,
                         Optional<Instant> lastUsedAt) implements CreationPages.Item {}

    private final Transactions transactions;
    private final ObjectMapper json;

    public TokenRecords(Transactions transactions, ObjectMapper json) {
        this.transactions = transactions;
        this.json = json;
    }

    @Override
    public Optional<StoredApiToken> find(String tokenId) {
        return transactions.selectAsPlatform(FIND, statement -> statement.setString(1, tokenId), rows -> {
            if (!rows.next()) {
                return Optional.empty();
            }
            return Optional.of(new StoredApiToken(rows.getString("id"), new TenantId(rows.getString("tenant_id")),
                    rows.getString("name"), rows.getBytes("hash"), permissions(rows.getString("permissions")),
                    rows.getTimestamp("expires_at").toInstant(), rows.getTimestamp("revoked_at") != null));
        });
    }

    Instant insert(Connection connection, TenantId tenant, String id, String name, byte[] hash,
                   List<TokenPermission> permissions, Instant expiresAt, String createdBy) throws SQLException {
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            statement.setString(3, name);
            statement.setBytes(4, hash);
            statement.setString(5, permissionsJson(permissions));
            statement.setTimestamp(6, Timestamp.from(expiresAt));
            statement.setString(7, createdBy);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getTimestamp(1).toInstant();
            }
        }
    }

    List<Listed> page(Connection connection, TenantId tenant, Optional<Instant> afterCreatedAt, Optional<String> afterId,
                      int limit) throws SQLException {
        try (var statement = connection.prepareStatement(PAGE)) {
            statement.setString(1, tenant.value());
            var after = afterCreatedAt.map(Timestamp::from).orElse(null);
            statement.setTimestamp(2, after);
            statement.setTimestamp(3, after);
            statement.setString(4, afterId.orElse(""));
            statement.setInt(5, limit);
            var page = new ArrayList<Listed>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    page.add(listed(rows));
                }
            }
            return page;
        }
    }

    /** Empty when no such token; true when this call revoked it, false when it already was. */
    Optional<Boolean> revoke(Connection connection, TenantId tenant, String id, String revokedBy) throws SQLException {
        try (var statement = connection.prepareStatement(REVOKE)) {
            statement.setString(1, revokedBy);
            statement.setString(2, tenant.value());
            statement.setString(3, id);
            if (statement.executeUpdate() == 1) {
                return Optional.of(true);
            }
        }
        try (var statement = connection.prepareStatement(EXISTS)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            try (var rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(false) : Optional.empty();
            }
        }
    }

    /** Records last-used times in one platform transaction (the batcher's flush). */
    void touch(Map<String, Instant> lastUsed) {
        transactions.asPlatform(connection -> {
            try (var statement = connection.prepareStatement(TOUCH)) {
                for (var entry : lastUsed.entrySet()) {
                    statement.setTimestamp(1, Timestamp.from(entry.getValue()));
                    statement.setString(2, entry.getKey());
                    statement.setTimestamp(3, Timestamp.from(entry.getValue()));
                    statement.addBatch();
                }
                statement.executeBatch();
            }
            return null;
        });
    }

    private Listed listed(ResultSet rows) throws SQLException {
        return new Listed(rows.getString("id"), rows.getString("name"), permissions(rows.getString("permissions")),
                rows.getTimestamp("expires_at").toInstant(), rows.getTimestamp("created_at").toInstant(),
                rows.getString("created_by"), instant(rows, "revoked_at"), Optional.ofNullable(rows.getString("revoked_by")),
                instant(rows, "last_used_at"));
    }

    private static Optional<Instant> instant(ResultSet rows, String column) throws SQLException {
        var value = rows.getTimestamp(column);
        return value == null ? Optional.empty() : Optional.of(value.toInstant());
    }

    String permissionsJson(List<TokenPermission> permissions) {
        ArrayNode array = json.createArrayNode();
        for (var permission : permissions) {
            var item = array.addObject().put("action", permission.action());
            permission.datasets().ifPresent(datasets -> {
                var names = item.putArray("datasets");
                datasets.stream().sorted().forEach(names::add);
            });
        }
        return array.toString();
    }

    private List<TokenPermission> permissions(String stored) {
        try {
            var permissions = new ArrayList<TokenPermission>();
            for (var item : json.readTree(stored)) {
                var datasets = item.get("datasets");
                if (datasets == null || datasets.isNull()) {
                    permissions.add(TokenPermission.onAllDatasets(item.get("action").asText()));
                } else {
                    var names = new LinkedHashSet<String>();
                    datasets.forEach(d -> names.add(d.asText()));
                    permissions.add(TokenPermission.onDatasets(item.get("action").asText(), names));
                }
            }
            return permissions;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored token permissions are not valid JSON", e);
        }
    }
}
