package io.timestore.server.http;

import io.timestore.security.SecurityContext;

/**
 * What {@link AuditStep} asks about request rate limits (docs/security.md, "Rate limits and
 * quotas") once a request is admitted to a tenant and before its handler runs: whether the
 * tenant and the credential may send another request now. A refusal is a
 * {@link io.timestore.server.problems.LimitExceeded} (429 {@code rate_limited}), answered and
 * audited like any other failure. Implemented by {@code limits.RateLimits}.
 */
public interface RequestLimits {

    /** Takes one request from the tenant's and the credential's buckets, or throws {@code LimitExceeded}. */
    void admit(SecurityContext security);

    /** Limits nothing. */
    static RequestLimits none() {
        return security -> { };
    }
}
