package io.timestore.server.tenants;

import io.timestore.security.TenantId;

/**
 * A per-tenant cache that {@link TenantChangeListener} keeps current on every instance: it drops
 * a tenant's entry when the tenant (or anything notifying the tenant channel for it) changes,
 * and everything when notifications may have been missed.
 */
public interface TenantCache {

    /** Drops what is cached for {@code tenant}. */
    void forget(TenantId tenant);

    /** Drops everything cached. */
    void forgetAll();
}
