package io.timestore.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Sizes and expiry of the identity caches (Caffeine caches; docs/configuration.md). A full cache
 * evicts what is least likely to be used again; a miss only costs the work the cache saves.
 *
 * @param jwtMaxEntries          {@code auth.jwt-cache-size}: verified JWTs remembered until their
 *                               {@code exp} (0 turns the cache off)
 * @param datasetMaxEntries      {@code auth.dataset-cache-size}: compiled dataset access
 *                               requirements, one per dataset (its latest revision)
 * @param tenantStatusMaxEntries {@code auth.tenant-status-cache-size}: tenants whose status
 *                               (active, disabled, unknown) is remembered
 * @param tenantStatusTtl        {@code auth.tenant-status-cache-ttl}: how long a status is trusted;
 *                               a change made through another instance takes effect within it
 */
public record AuthCaches(int jwtMaxEntries, int datasetMaxEntries, int tenantStatusMaxEntries, Duration tenantStatusTtl) {
    /** Enough for every token of a busy deployment's last hour; one entry is ~1 KB. */
    public static final int DEFAULT_JWT_MAX_ENTRIES = 10_000;
    /** One entry per dataset in use; a miss costs one compilation, a few microseconds. */
    public static final int DEFAULT_DATASET_MAX_ENTRIES = 10_000;
    /**
     * Large enough for every real tenant; the bound is there so unknown ids sent by bad requests
     * cannot grow the cache without limit.
     */
    public static final int DEFAULT_TENANT_STATUS_MAX_ENTRIES = 100_000;
    /** A busy tenant costs one indexed lookup per second; a disable on another instance lands within it. */
    public static final Duration DEFAULT_TENANT_STATUS_TTL = Duration.ofSeconds(1);

    public AuthCaches {
        Objects.requireNonNull(tenantStatusTtl, "tenantStatusTtl");
        if (jwtMaxEntries < 0 || datasetMaxEntries < 1 || tenantStatusMaxEntries < 1) {
            throw new IllegalArgumentException("cache sizes must be positive (the JWT cache may be 0), found jwt=%d dataset=%d tenant-status=%d"
                    .formatted(jwtMaxEntries, datasetMaxEntries, tenantStatusMaxEntries));
        }
        if (tenantStatusTtl.isNegative() || tenantStatusTtl.isZero()) {
            throw new IllegalArgumentException("tenantStatusTtl must be positive, found " + tenantStatusTtl);
        }
    }

    public static AuthCaches defaults() {
        return new AuthCaches(DEFAULT_JWT_MAX_ENTRIES, DEFAULT_DATASET_MAX_ENTRIES, DEFAULT_TENANT_STATUS_MAX_ENTRIES,
                DEFAULT_TENANT_STATUS_TTL);
    }
}
