package io.timestore.security.tokens;

import java.util.Optional;

/**
 * Looks API tokens up by id. The server implements it over PostgreSQL.
 *
 * <p>Contract: thread-safe; returns empty for an unknown id, never null. Revocation must be
 * visible on the next call — if the implementation caches, it must invalidate on revoke (and
 * across instances) or not cache at all. May throw an unchecked exception when the store fails;
 * that is an outage (503), not an authentication failure. The lookup runs before the caller's
 * tenant is known, so it must not depend on {@code app.tenant_id} row-level security.
 */
@FunctionalInterface
public interface ApiTokenStore {
    Optional<StoredApiToken> find(String tokenId);
}
