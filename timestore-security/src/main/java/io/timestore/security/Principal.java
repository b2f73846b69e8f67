package io.timestore.security;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An authenticated caller, as established by the {@link Authenticator}. Immutable and thread-safe.
 *
 * <p>{@code tenantClaim} is the tenant the <em>credential</em> names (the JWT tenant claim, the
 * tenant an API token or signing key belongs to); it is not yet the tenant the request acts on —
 * {@link TenantResolver} decides that. {@code tokenPermissions} is non-empty only for API tokens,
 * whose authority comes from per-token permissions instead of roles and scopes.
 *
 * @param subject          the stable identifier of the caller ({@code sub}, token id or key id), never a secret
 * @param kind             what kind of caller this is
 * @param tenantClaim      the tenant named by the credential, if any
 * @param roles            role names, for example {@code reader} or {@code platform-operator}
 * @param scopes           OAuth scopes, for example {@code timestore.read}
 * @param groups           group names from the identity provider (informational, audited)
 * @param authMethod       how the caller authenticated
 * @param tokenPermissions the permissions of an API token; empty for other methods
 */
public record Principal(
        String subject,
        PrincipalKind kind,
        Optional<TenantId> tenantClaim,
        Set<String> roles,
        Set<String> scopes,
        Set<String> groups,
        AuthMethod authMethod,
        List<TokenPermission> tokenPermissions) {

    /** The role that lets a caller act on any tenant it names with {@code X-Tenant-ID}. */
    public static final String PLATFORM_OPERATOR_ROLE = "platform-operator";

    public Principal {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(tenantClaim, "tenantClaim");
        Objects.requireNonNull(authMethod, "authMethod");
        if (subject.isBlank()) {
            throw new IllegalArgumentException("principal subject must not be blank");
        }
        roles = Set.copyOf(roles);
        scopes = Set.copyOf(scopes);
        groups = Set.copyOf(groups);
        tokenPermissions = List.copyOf(tokenPermissions);
        if (!tokenPermissions.isEmpty() && authMethod != AuthMethod.API_TOKEN) {
            throw new IllegalArgumentException(
                    "token permissions belong to API tokens only, found them on auth method " + authMethod);
        }
    }

    /** True when the principal holds {@code role}. */
    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    /** True when the principal holds OAuth scope {@code scope}. */
    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }
}
