package io.timestore.security;

import io.timestore.security.AuthenticationFailure.Reason;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Resolves exactly one tenant for an authenticated request (docs/architecture.md §1, G1, BR-001), or refuses it.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>{@code X-Tenant-ID} sent more than once, or as a comma list: {@code tenant_ambiguous} (400).
 *       Not a well-formed tenant id: {@code tenant_malformed} (400).</li>
 *   <li>A platform operator (role {@value Principal#PLATFORM_OPERATOR_ROLE}, asserted by a JWT
 *       issuer) must name the tenant with {@code X-Tenant-ID}; naming one other than its own is
 *       recorded as {@link SecurityContext#actingAsPlatformOperator()}. The role is honoured only
 *       from JWTs: API tokens and signing keys are created by tenant admins, who must not be able
 *       to mint platform-wide authority.</li>
 *   <li>Anyone else acts on the tenant of its credential. A header naming another tenant:
 *       {@code tenant_mismatch} (403). No credential tenant: {@code tenant_missing} (401) — there
 *       is no default tenant — except for a {@link AuthMethod#LEGACY} principal, which the server
 *       admits only under an explicitly enabled legacy rule and which takes the header's tenant.</li>
 *   <li>The tenant must be {@link TenantStatus#ACTIVE}; unknown and disabled both give
 *       {@code tenant_forbidden} (403) with the same message, so existence does not leak.</li>
 * </ol>
 *
 * <p>Routes that act on the platform as a whole resolve no tenant: tenant administration always,
 * and audit reads when {@link #actsOnPlatform} says so. Such a request resolves to the platform
 * partition ({@code _platform} in the audit trail) instead — still exactly one scope (G1) — and
 * only a platform operator's JWT gets there.
 *
 * <p>Thread-safe if its {@link TenantDirectory} is. Never returns {@code null}; every refusal is an
 * {@link AuthenticationFailure}.
 */
public final class TenantResolver {
    private final TenantDirectory directory;

    public TenantResolver(TenantDirectory directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
    }

    /**
     * @param principal          the authenticated caller
     * @param tenantHeaderValues every {@code X-Tenant-ID} value as received (empty when absent)
     * @param requestId          the request id to record
     * @param traceId            the trace id to record
     */
    public SecurityContext resolve(
            Principal principal, List<String> tenantHeaderValues, String requestId, String traceId) {
        Objects.requireNonNull(principal, "principal");
        Optional<TenantId> header = headerTenant(tenantHeaderValues);
        Optional<TenantId> claim = principal.tenantClaim();

        TenantId tenant;
        boolean actingAsOperator = false;
        if (isPlatformOperator(principal)) {
            tenant = header.orElseThrow(() -> new AuthenticationFailure(Reason.TENANT_MISSING,
                    "a platform operator must name the tenant it acts on with X-Tenant-ID"));
            actingAsOperator = !claim.equals(header);
        } else if (claim.isPresent()) {
            tenant = claim.get();
            if (header.isPresent() && !header.get().equals(tenant)) {
                throw new AuthenticationFailure(Reason.TENANT_MISMATCH,
                        "X-Tenant-ID must equal the tenant of the credential");
            }
        } else if (principal.authMethod() == AuthMethod.LEGACY && header.isPresent()) {
            tenant = header.get();
        } else {
            throw new AuthenticationFailure(Reason.TENANT_MISSING, "the credential names no tenant");
        }

        if (directory.status(tenant) != TenantStatus.ACTIVE) {
            throw new AuthenticationFailure(Reason.TENANT_FORBIDDEN, "the tenant is unknown or disabled");
        }
        return new SecurityContext(principal, tenant, requestId, traceId, actingAsOperator, header);
    }

    /**
     * Whether a request to a route that platform operators may also call on the platform as a
     * whole (the audit reads) acts on the platform instead of a tenant: exactly when the caller is
     * a platform operator (role {@value Principal#PLATFORM_OPERATOR_ROLE} from a JWT) and sends no
     * {@code X-Tenant-ID}. Anyone else, and an operator naming a tenant, is resolved by
     * {@link #resolve}, which still refuses a request without a tenant ({@code tenant_missing}).
     *
     * @param principal          the authenticated caller
     * @param tenantHeaderValues every {@code X-Tenant-ID} value as received (empty when absent)
     */
    public boolean actsOnPlatform(Principal principal, List<String> tenantHeaderValues) {
        Objects.requireNonNull(principal, "principal");
        return isPlatformOperator(principal) && (tenantHeaderValues == null || tenantHeaderValues.isEmpty());
    }

    private static boolean isPlatformOperator(Principal principal) {
        return principal.authMethod() == AuthMethod.JWT && principal.hasRole(Principal.PLATFORM_OPERATOR_ROLE);
    }

    /** Parses the header values: absent, exactly one well-formed id, or a failure. */
    static Optional<TenantId> headerTenant(List<String> values) {
        if (values == null || values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw new AuthenticationFailure(Reason.TENANT_AMBIGUOUS, "X-Tenant-ID must be sent at most once");
        }
        String value = values.getFirst();
        if (value != null && value.indexOf(',') >= 0) {
            throw new AuthenticationFailure(Reason.TENANT_AMBIGUOUS, "X-Tenant-ID must name exactly one tenant");
        }
        // HTTP allows optional whitespace around a field value; servers usually strip it already.
        return Optional.of(TenantId.parse(value == null ? null : value.strip())
                .orElseThrow(() -> new AuthenticationFailure(Reason.TENANT_MALFORMED,
                        "X-Tenant-ID must match ^[a-z0-9][a-z0-9-]{1,62}$")));
    }
}
