package io.timestore.server.secrets;

/**
 * A table whose {@code secret} column holds secrets sealed with {@link SecretBox}: the key each
 * derives from a master key, and the associated data that binds a ciphertext to its row (tenant
 * and id), so a secret copied onto another row does not decrypt. Every such table has
 * {@code tenant_id}, {@code id} and {@code secret} columns and row-level security by tenant.
 */
public enum SecretTable {
    /** HMAC secrets of signed requests (V4). */
    SIGNING_KEYS("signing_keys", "signing-key-encryption", "signing-key"),
    /** Webhook secrets of tenants' audit streams (V22). */
    AUDIT_STREAMS("audit_streams", "audit-stream-encryption", "audit-stream");

    private final String table;
    private final String purpose;
    private final String label;

    SecretTable(String table, String purpose, String label) {
        this.table = table;
        this.purpose = purpose;
        this.label = label;
    }

    /** The table's name (a constant, never from input). */
    public String table() {
        return table;
    }

    /** What the encryption key is derived for ({@code MasterKey.derive}). */
    String purpose() {
        return purpose;
    }

    String associatedData(String tenant, String id) {
        return label + ":" + tenant + ":" + id;
    }
}
