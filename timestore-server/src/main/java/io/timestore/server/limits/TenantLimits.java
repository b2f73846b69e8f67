package io.timestore.server.limits;

import io.timestore.server.config.LimitSettings.Rate;
import java.util.Objects;

/**
 * The limits in force for one tenant: its defaults with its overrides laid over them.
 *
 * @param requests           requests of the tenant
 * @param credentialRequests requests of each one of its credentials
 * @param points             points it writes
 * @param maxSeries          series it may store, 0 unlimited
 */
public record TenantLimits(Rate requests, Rate credentialRequests, Rate points, long maxSeries) {
    public TenantLimits {
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(credentialRequests, "credentialRequests");
        Objects.requireNonNull(points, "points");
        if (maxSeries < 0) {
            throw new IllegalArgumentException("maxSeries must not be negative, found " + maxSeries);
        }
    }
}
