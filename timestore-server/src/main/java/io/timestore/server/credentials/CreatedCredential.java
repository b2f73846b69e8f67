package io.timestore.server.credentials;

import java.time.Instant;
import java.util.Objects;

/**
 * A credential just created. {@code secret} (an API token, a signing key's base64url secret)
 * exists only here, for the creation reply: it is never stored in clear and never shown again, so
 * {@link #toString()} hides it.
 *
 * @param <K> the kind's own part, as in its {@link NewCredential}
 */
public record CreatedCredential<K>(String id, String name, String secret, K own, Instant expiresAt, Instant createdAt) {
    public CreatedCredential {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(own, "own");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    @Override
    public String toString() {
        return "CreatedCredential[id=%s, name=%s, secret=****]".formatted(id, name);
    }
}
