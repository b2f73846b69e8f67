package io.timestore.server.http;

import io.timestore.security.SecurityContext;

/**
 * Decides whether the caller may perform an action that concerns the tenant as a whole (tokens,
 * signing keys, audit) or the platform (tenants). Dataset actions are decided with the dataset's
 * own access metadata by the data-plane services.
 */
public interface Permissions {
    /** @throws Forbidden naming the missing role or scope when the caller may not */
    void require(SecurityContext security, String action);
}
