package io.timestore.server.signingkeys;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.security.TenantId;
import io.timestore.security.signed.SigningKey;
import io.timestore.security.signed.SigningKeyStore;
import io.timestore.server.credentials.Credential;
import io.timestore.server.credentials.CredentialTable;
import io.timestore.server.credentials.ListedCredential;
import io.timestore.server.db.Transactions;
import io.timestore.server.secrets.MasterKeyRing;
import io.timestore.server.secrets.SecretBox;
import io.timestore.server.secrets.SecretTable;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashSet;
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
    /** Listing and revocation, shared with API tokens. */
    static final CredentialTable TABLE = new CredentialTable("signing_keys", "roles, scopes");

    /** A key as listed: never its secret. */
    public record Listed(Credential credential, RolesAndScopes granted) implements ListedCredential {}

    private final Transactions transactions;
    private final SecretBox box;
    private final ObjectMapper json;

    SigningKeyRecords(Transactions transactions, SecretBox box, ObjectMapper json) {
        this.transactions = transactions;
        this.box = box;
        this.json = json;
    }

    /** Creates the store with AES-256-GCM under keys derived from the master keys ({@code signing-key-encryption}). */
    public static SigningKeyRecords create(Transactions transactions, java.util.function.Supplier<MasterKeyRing> masterKeys,
                                           java.security.SecureRandom random, ObjectMapper json) {
        return new SigningKeyRecords(transactions, new SecretBox(masterKeys, SecretTable.SIGNING_KEYS, random), json);
    }

    @Override
    public Optional<SigningKey> find(String keyId) {
        return transactions.selectAsPlatform(FIND, statement -> statement.setString(1, keyId), rows -> {
            if (!rows.next()) {
                return Optional.empty();
            }
            var tenant = rows.getString("tenant_id");
            var secret = box.open(rows.getBytes("secret"), tenant, keyId);
            // Revocation and expiry are the verifier's to judge (CredentialLifetime), as for API tokens.
            return Optional.of(new SigningKey(keyId, new TenantId(tenant), secret, names(rows.getString("roles")),
                    names(rows.getString("scopes")), rows.getTimestamp("expires_at").toInstant(),
                    rows.getTimestamp("revoked_at") != null));
        });
    }

    Instant insert(Connection connection, TenantId tenant, String id, String name, byte[] secret, RolesAndScopes granted,
                   Instant expiresAt, String createdBy) throws SQLException {
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            statement.setString(3, name);
            statement.setBytes(4, box.seal(secret, tenant.value(), id));
            statement.setString(5, json.valueToTree(granted.roles().stream().sorted().toList()).toString());
            statement.setString(6, json.valueToTree(granted.scopes().stream().sorted().toList()).toString());
            statement.setTimestamp(7, Timestamp.from(expiresAt));
            statement.setString(8, createdBy);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getTimestamp(1).toInstant();
            }
        }
    }

    /** The key-specific columns of a listed row. */
    Listed listed(Credential credential, ResultSet rows) throws SQLException {
        return new Listed(credential, new RolesAndScopes(names(rows.getString("roles")), names(rows.getString("scopes"))));
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
}
