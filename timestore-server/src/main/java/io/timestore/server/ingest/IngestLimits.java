package io.timestore.server.ingest;

import io.timestore.security.TenantId;
import io.timestore.server.problems.LimitExceeded;

/**
 * What ingestion asks about a tenant's limits (docs/security.md, "Rate limits and quotas"): its
 * points-per-second bucket, taken from before the write's transaction opens, and its series
 * quota, checked in the transaction when a write would create series. Implemented by
 * {@code limits.RateLimits}.
 */
public interface IngestLimits {

    /** Takes {@code points} from the tenant's points bucket, or throws {@link LimitExceeded} (429 {@code rate_limited}). */
    void admitPoints(TenantId tenant, int points);

    /** How many series the tenant may store; 0 is unlimited. */
    long maxSeries(TenantId tenant);

    /**
     * The refusal of a write that would take the tenant past its series quota, counted where
     * refusals are counted: the caller throws it.
     */
    LimitExceeded seriesQuotaExceeded(TenantId tenant, long max, long stored, long adding);

    /** Limits nothing. */
    static IngestLimits none() {
        return new IngestLimits() {
            @Override
            public void admitPoints(TenantId tenant, int points) {}

            @Override
            public long maxSeries(TenantId tenant) {
                return 0;
            }

            @Override
            public LimitExceeded seriesQuotaExceeded(TenantId tenant, long max, long stored, long adding) {
                return LimitExceeded.quota("tenant_series", max, "the series quota is exceeded");
            }
        };
    }
}
