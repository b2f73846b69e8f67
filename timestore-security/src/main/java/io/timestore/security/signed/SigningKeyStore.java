package io.timestore.security.signed;

import java.util.Optional;

/**
 * Looks signing keys up by key id. The server implements it over PostgreSQL (secrets encrypted
 * at rest with AES-GCM, decrypted here).
 *
 * <p>Contract: thread-safe; empty for an unknown id, never null; revocation visible on the next
 * call; unchecked exceptions only for store outages (503). Runs before the tenant is known, so it
 * must not depend on tenant row-level security.
 */
@FunctionalInterface
public interface SigningKeyStore {
    Optional<SigningKey> find(String keyId);
}
