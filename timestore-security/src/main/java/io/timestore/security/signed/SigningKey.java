package io.timestore.security.signed;

import io.timestore.security.TenantId;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A tenant's HMAC key for signed service requests, as the server hands it to the verifier
 * (decrypted; it is stored encrypted at rest). {@link #toString()} leaves the secret out.
 *
 * @param keyId   the public key id, sent as {@code Credential=}
 * @param tenant  the tenant the key belongs to
 * @param secret  the HMAC secret, at least 32 bytes
 * @param roles   the roles requests signed with this key carry
 * @param scopes  the scopes requests signed with this key carry
 * @param expiresAt mandatory expiry; the key is refused from this instant on
 * @param revoked whether the key was revoked (effective on the next request)
 */
public record SigningKey(String keyId, TenantId tenant, byte[] secret, Set<String> roles, Set<String> scopes,
                         Instant expiresAt, boolean revoked) {
    public SigningKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(secret, "secret");
        if (secret.length < 32) {
            throw new IllegalArgumentException("signing key secrets must be at least 32 bytes, found " + secret.length);
        }
        secret = secret.clone();
        roles = Set.copyOf(roles);
        scopes = Set.copyOf(scopes);
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public String toString() {
        return "SigningKey[keyId=%s, tenant=%s, roles=%s, scopes=%s, expiresAt=%s, revoked=%s]"
                .formatted(keyId, tenant, roles, scopes, expiresAt, revoked);
    }
}
