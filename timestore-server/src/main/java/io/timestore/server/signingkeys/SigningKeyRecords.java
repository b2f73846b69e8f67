package io.timestore.server.signingkeys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.security.TenantId;
import io.timestore.security.signed.SigningKey;
import io.timestore.security.signed.SigningKeyStore;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.CreationPages;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The signing_keys table: HMAC secrets encrypted with AES-GCM. Authentication finds a key by id on
 * the platform path; management runs in the tenant's transaction. Never caches, so revocation and
 * expiry apply to the next request. Thread-safe.
 */
public final class SigningKeyRecords implements SigningKeyStore {
    private static final String FIND = """
            SELECT tenant_id, id, secret, roles, scopes, expires_at, revoked_at FROM signing_keys WHERE id = ?
            """;
    private static final String INSERT = """
            INSERT INTO signing_keys (tenant_id, id, name, secret, roles, scopes, expires_at, created_by)
            VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?)
            RETURNING created_at
            """;
    private static final String PAGE = """
            SELECT id, name, roles, scopes, expires_at, created_at, created_by, revoked_at
            FROM signing_keys
            WHERE tenant_id = ? AND (?::timestamptz IS NULL OR (created_at, id) < (?::timestamptz, ?))
            ORDER BY created_at DESC, id DESC
            LIMIT ?
            """;
    private static final String REVOKE = """
            UPDATE signing_keys SET revoked_at = now(), revoked_by = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL
            """;
    private static final String EXISTS = "SELECT 1 FROM signing_keys WHERE tenant_id = ? AND id = ?";

    /** A key as listed: never its secret. */
    public record Listed(String id, String name, Set<String> roles, Set<String> scopes, Instant expiresAt,
                         Instant createdAt, String createdBy, Optional<Instant> revokedAt) implements CreationPages.Item {}

    private final Transactions transactions;
    private final SecretBox box;
    private final ObjectMapper json;
    private final InstantSource clock;

    SigningKeyRecords(Transactions transactions, SecretBox box, ObjectMapper json, InstantSource clock) {
        this.transactions = transactions;
        this.box = box;
        this.json = json;
        this.clock = clock;
    }

    /** Creates the store with AES-256-GCM under {@code encryptionKey} (32 bytes derived from the master key). */
    public static SigningKeyRecords create(Transactions transactions, byte[] encryptionKey, java.security.SecureRandom random,
                                           ObjectMapper json, InstantSource clock) {
        return new SigningKeyRecords(transactions, new SecretBox(encryptionKey, random), json, clock);
    }

    @Override
    public Optional<SigningKey> find(String keyId) {
        return transactions.selectAsPlatform(FIND, statement -> statement.setString(1, keyId), rows -> {
            if (!rows.next()) {
                return Optional.empty();
            }
            var tenant = rows.getString("tenant_id");
            var secret = box.open(rows.getBytes("secret"), associatedData(keyId, tenant));
            // An expired key is as unusable as a revoked one.
            boolean unusable = rows.getTimestamp("revoked_at") != null
                    || !rows.getTimestamp("expires_at").toInstant().isAfter(clock.instant());
            return Optional.of(new SigningKey(keyId, new TenantId(tenant), secret,
                    names(rows.getString("roles")), names(rows.getString("scopes")), unusable));
        });
    }

    Instant insert(Connection connection, TenantId tenant, String id, String name, byte[] secret, Set<String> roles,
                   Set<String> scopes, Instant expiresAt, String createdBy) throws SQLException {
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            statement.setString(3, name);
            statement.setBytes(4, box.seal(secret, associatedData(id, tenant.value())));
            statement.setString(5, json.valueToTree(roles.stream().sorted().toList()).toString());
            statement.setString(6, json.valueToTree(scopes.stream().sorted().toList()).toString());
            statement.setTimestamp(7, Timestamp.from(expiresAt));
            statement.setString(8, createdBy);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getTimestamp(1).toInstant();
            }
        }
    }

    List<Listed> page(Connection connection, TenantId tenant, Optional<Instant> afterCreatedAt, Optional<String> afterId,
                      int limit) throws SQLException {
        try (var statement = connection.prepareStatement(PAGE)) {
            var after = afterCreatedAt.map(Timestamp::from).orElse(null);
            statement.setString(1, tenant.value());
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

    boolean revoke(Connection connection, TenantId tenant, String id, String revokedBy) throws SQLException {
        try (var statement = connection.prepareStatement(REVOKE)) {
            statement.setString(1, revokedBy);
            statement.setString(2, tenant.value());
            statement.setString(3, id);
            if (statement.executeUpdate() == 1) {
                return true;
            }
        }
        try (var statement = connection.prepareStatement(EXISTS)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            try (var rows = statement.executeQuery()) {
                return rows.next();
            }
        }
    }

    private Listed listed(ResultSet rows) throws SQLException {
        var revoked = rows.getTimestamp("revoked_at");
        return new Listed(rows.getString("id"), rows.getString("name"), names(rows.getString("roles")),
                names(rows.getString("scopes")), rows.getTimestamp("expires_at").toInstant(),
                rows.getTimestamp("created_at").toInstant(), rows.getString("created_by"),
                revoked == null ? Optional.empty() : Optional.of(revoked.toInstant()));
    }

    private Set<String> names(String array) {
        try {
            var names = new LinkedHashSet<String>();
            json.readTree(array).forEach(n -> names.add(n.asText()));
            return names;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored signing key roles/scopes are not valid JSON", e);
        }
    }

    private static String associatedData(String keyId, String tenant) {
        return "signing-key:" + tenant + ":" + keyId;
    }
}
