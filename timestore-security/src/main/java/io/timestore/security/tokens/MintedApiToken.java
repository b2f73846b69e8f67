package io.timestore.security.tokens;

import java.util.Objects;

/**
 * A freshly minted API token. {@code token} is the secret: return it to the creator once and
 * never store or log it. {@link #toString()} leaves it out.
 *
 * @param id    the token id (the lookup key; safe to log)
 * @param token the full token, {@code tsk_<id>_<secret>}
 * @param hash  what to store: {@code HMAC-SHA256(pepper, token)}
 */
public record MintedApiToken(String id, String token, byte[] hash) {
    public MintedApiToken {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(token, "token");
        hash = hash.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    @Override
    public String toString() {
        return "MintedApiToken[id=" + id + "]";
    }
}
