package io.timestore.server.tokens;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.timestore.security.TenantId;
import io.timestore.security.TokenPermission;
import io.timestore.security.tokens.ApiTokenStore;
import io.timestore.security.tokens.StoredApiToken;
import io.timestore.server.credentials.Credential;
import io.timestore.server.credentials.CredentialTable;
import io.timestore.server.credentials.ListedCredential;
import io.timestore.server.db.Transactions;
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
 * known yet); everything else runs in the owning tenant's transaction. Never caches a token, so a
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
    /** Listing and revocation, shared with signing keys. */
    static final CredentialTable TABLE = new CredentialTable("api_tokens", "permissions, last_used_at");
    private static final String TOUCH = """
            UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)
            """;

    /** A token as listed: everything but the hash. */
    public record Listed(Credential credential, List<TokenPermission> permissions, Optional<Instant> lastUsedAt)
            implements ListedCredential {}

    /** A token's stored permissions text and what it parses to. */
    private record ParsedPermissions(String stored, List<TokenPermission> permissions) {}

    private final Transactions transactions;
    private final ObjectMapper json;
    private volatile ParsedPermissions lastParsed; // see permissions(String)

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
            statement.setString(5, permissionsJson(permissions).toString());
            statement.setTimestamp(6, Timestamp.from(expiresAt));
            statement.setString(7, createdBy);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getTimestamp(1).toInstant();
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

    /** The token-specific columns of a listed row. */
    Listed listed(Credential credential, ResultSet rows) throws SQLException {
        return new Listed(credential, permissions(rows.getString("permissions")), Credential.instant(rows, "last_used_at"));
    }

    /** Permissions as stored and shown: an array of {action, datasets?}, dataset names sorted. */
    ArrayNode permissionsJson(List<TokenPermission> permissions) {
        ArrayNode array = json.createArrayNode();
        for (var permission : permissions) {
            var item = array.addObject().put("action", permission.action());
            permission.datasets().ifPresent(datasets -> {
                var names = item.putArray("datasets");
                datasets.stream().sorted().forEach(names::add);
            });
        }
        return array;
    }

    /**
     * The permissions of a token as read on every request: the row is read each time (revocation
     * binds the next request), but the same stored text gives the same permissions, so the text
     * parsed last is kept with its result and not parsed again (one entry; most requests present
     * the token, or the permissions, of the request before). Immutable lists.
     */
    private List<TokenPermission> permissions(String stored) {
        var last = lastParsed;
        if (last != null && last.stored().equals(stored)) {
            return last.permissions();
        }
        var parsed = List.copyOf(parse(stored));
        lastParsed = new ParsedPermissions(stored, parsed);
        return parsed;
    }

    private List<TokenPermission> parse(String stored) {
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
