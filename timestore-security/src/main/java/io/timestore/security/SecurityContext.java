package io.timestore.security;

import java.util.Objects;
import java.util.Optional;

/**
 * Who is calling and for which tenant: the result of authentication plus tenant resolution
 * (docs/architecture.md §3). Passed explicitly to services; never kept in a thread-local. Immutable.
 *
 * @param principal                the authenticated caller
 * @param tenant                   the one tenant this request acts on (G1)
 * @param requestId                the request id (accepted {@code X-Request-ID} or generated)
 * @param traceId                  the W3C trace id of the request
 * @param actingAsPlatformOperator true when a platform operator named a tenant other than its own
 *                                 credential's with {@code X-Tenant-ID}; audited as such
 * @param headerTenant             the tenant sent in {@code X-Tenant-ID}, if one was sent
 */
public record SecurityContext(
        Principal principal,
        TenantId tenant,
        String requestId,
        String traceId,
        boolean actingAsPlatformOperator,
        Optional<TenantId> headerTenant) {

    public SecurityContext {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(headerTenant, "headerTenant");
    }
}
