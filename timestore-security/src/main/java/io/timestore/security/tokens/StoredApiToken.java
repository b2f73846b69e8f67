package io.timestore.security.tokens;

import io.timestore.security.TenantId;
import io.timestore.security.TokenPermission;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An API token as the server stores it (never the secret itself).
 *
 * @param id          the token id
 * @param tenant      the one tenant the token belongs to
 * @param name        the human-readable name given at creation
 * @param hash        {@code HMAC-SHA256(pepper, token)}
 * @param permissions what the token may do
 * @param expiresAt   mandatory expiry; the token is refused from this instant on
 * @param revoked     whether the token was revoked (effective on the next request)
 */
public record StoredApiToken(
        String id,
        TenantId tenant,
        String name,
        byte[] hash,
        List<TokenPermission> permissions,
        Instant expiresAt,
        boolean revoked) {

    public StoredApiToken {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(expiresAt, "expiresAt");
        hash = hash.clone();
        permissions = List.copyOf(permissions);
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    @Override
    public String toString() {
        return "StoredApiToken[id=%s, tenant=%s, name=%s, expiresAt=%s, revoked=%s]"
                .formatted(id, tenant, name, expiresAt, revoked);
    }
}
