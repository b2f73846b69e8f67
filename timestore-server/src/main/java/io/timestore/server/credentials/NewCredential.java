package io.timestore.server.credentials;

import java.time.Instant;
import java.util.Objects;

/**
 * A validated request to create a credential: what every kind has ({@link CredentialBody}) and
 * what is the kind's own (an API token's permissions, a signing key's roles and scopes).
 *
 * @param <K> the kind's own part
 */
public record NewCredential<K>(String name, Instant expiresAt, K own) {
    public NewCredential {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(own, "own");
    }
}
