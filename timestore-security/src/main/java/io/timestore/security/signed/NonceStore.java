package io.timestore.security.signed;

import java.time.Instant;

/**
 * Remembers the nonces of accepted signed requests until the acceptance window has passed. The
 * server implements it in PostgreSQL, e.g. {@code INSERT ... ON CONFLICT DO NOTHING} on the
 * primary key {@code (key_id, nonce)}, returning whether a row was inserted, and purges rows whose
 * {@code expires_at} has passed.
 *
 * <p>Contract: thread-safe and atomic — of two concurrent calls with the same key id and nonce,
 * exactly one returns {@code true}. Unchecked exceptions only for store outages (503).
 */
@FunctionalInterface
public interface NonceStore {
    /**
     * @return {@code true} if the nonce was new for this key and is now remembered until
     *         {@code expiresAt}; {@code false} if it was already remembered (a replay)
     */
    boolean remember(String keyId, String nonce, Instant expiresAt);
}
