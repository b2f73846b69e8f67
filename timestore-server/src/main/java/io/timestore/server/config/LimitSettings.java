package io.timestore.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Rate limits and quotas (docs/security.md, "Rate limits and quotas"; keys {@code limits.*} in
 * docs/configuration.md): the defaults every tenant gets unless a platform operator sets an
 * override for it. A rate of 0 and a quota of 0 mean unlimited (the default); a burst of 0 means
 * one second's worth of the rate.
 *
 * @param tenantRequests     {@code limits.tenant.requests-per-second} / {@code limits.tenant.request-burst}:
 *                           requests of one tenant, whatever credential sends them
 * @param credentialRequests {@code limits.credential.requests-per-second} / {@code limits.credential.request-burst}:
 *                           requests of one credential (API token, signing key, JWT subject)
 * @param tenantPoints       {@code limits.tenant.points-per-second} / {@code limits.tenant.points-burst}:
 *                           points a tenant writes
 * @param maxSeries          {@code limits.tenant.max-series}: series a tenant may store
 * @param cacheTtl           {@code limits.cache-ttl}: how long an instance trusts its copy of a
 *                           tenant's overrides when it cannot hear change notifications
 */
public record LimitSettings(Rate tenantRequests, Rate credentialRequests, Rate tenantPoints, long maxSeries, Duration cacheTtl) {
    /** The largest rate, burst or quota a setting or an operator's override may hold. */
    public static final long MAX = 1_000_000_000L;

    public LimitSettings {
        Objects.requireNonNull(tenantRequests, "tenantRequests");
        Objects.requireNonNull(credentialRequests, "credentialRequests");
        Objects.requireNonNull(tenantPoints, "tenantPoints");
        Objects.requireNonNull(cacheTtl, "cacheTtl");
        if (maxSeries < 0 || maxSeries > MAX) {
            throw new IllegalArgumentException("maxSeries must be between 0 and " + MAX + ", found " + maxSeries);
        }
        if (cacheTtl.isNegative() || cacheTtl.isZero()) {
            throw new IllegalArgumentException("cacheTtl must be positive, found " + cacheTtl);
        }
    }

    /**
     * A token bucket's size: {@code perSecond} tokens are added each second up to {@code burst}.
     * {@code perSecond} 0 is unlimited; {@code burst} 0 is {@code perSecond}.
     */
    public record Rate(long perSecond, long burst) {
        public static final Rate UNLIMITED = new Rate(0, 0);

        public Rate {
            if (perSecond < 0 || burst < 0 || perSecond > MAX || burst > MAX) {
                throw new IllegalArgumentException("a rate and its burst must be between 0 and " + MAX + ", found " + perSecond + "/" + burst);
            }
        }

        public boolean unlimited() {
            return perSecond == 0;
        }

        /** The bucket's capacity: the burst, or one second's worth when no burst is set. */
        public long capacity() {
            return burst == 0 ? perSecond : burst;
        }
    }

    /** Everything unlimited. */
    public static LimitSettings defaults() {
        return new LimitSettings(Rate.UNLIMITED, Rate.UNLIMITED, Rate.UNLIMITED, 0, Duration.ofSeconds(5));
    }

    public LimitSettings withTenantRequests(Rate replacement) {
        return new LimitSettings(replacement, credentialRequests, tenantPoints, maxSeries, cacheTtl);
    }

    public LimitSettings withCredentialRequests(Rate replacement) {
        return new LimitSettings(tenantRequests, replacement, tenantPoints, maxSeries, cacheTtl);
    }

    public LimitSettings withTenantPoints(Rate replacement) {
        return new LimitSettings(tenantRequests, credentialRequests, replacement, maxSeries, cacheTtl);
    }

    public LimitSettings withMaxSeries(long replacement) {
        return new LimitSettings(tenantRequests, credentialRequests, tenantPoints, replacement, cacheTtl);
    }
}
