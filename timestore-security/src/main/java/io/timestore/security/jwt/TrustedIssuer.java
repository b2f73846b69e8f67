package io.timestore.security.jwt;

import java.util.Objects;

/**
 * An identity provider whose tokens are accepted: its exact {@code iss} value and its keys.
 *
 * @param issuer the exact {@code iss} claim value (compared as a string, no normalisation)
 * @param keys   where its verification keys come from
 */
public record TrustedIssuer(String issuer, KeySource keys) {
    public TrustedIssuer {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(keys, "keys");
        if (issuer.isBlank()) {
            throw new IllegalArgumentException("jwt.issuers[].issuer must not be blank");
        }
    }
}
