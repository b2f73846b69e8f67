package io.timestore.server.http;

import io.timestore.security.AuthMethod;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Tenant- and platform-wide actions with the built-in roles and scopes of DESIGN.md §6
 * ({@code tenant-admin} and {@code timestore.admin} manage credentials, {@code platform-operator}
 * administers tenants). API tokens are held to their own permissions.
 */
public final class DefaultPermissions implements Permissions {
    private static final Map<String, Set<String>> ROLES = Map.of(
            "token:manage", Set.of("tenant-admin"),
            "tenant:admin", Set.of(Principal.PLATFORM_OPERATOR_ROLE));
    private static final Map<String, Set<String>> SCOPES = Map.of(
            "token:manage", Set.of("timestore.admin"),
            "tenant:admin", Set.of());

    @Override
    public void require(SecurityContext security, String action) {
        var principal = security.principal();
        if (principal.authMethod() == AuthMethod.API_TOKEN) {
            if (principal.tokenPermissions().stream().anyMatch(p -> p.action().equals(action) && p.datasets().isEmpty())) {
                return;
            }
            throw new Forbidden("this API token has no permission for " + action, Optional.empty(), Optional.empty());
        }
        var roles = ROLES.getOrDefault(action, Set.of());
        var scopes = SCOPES.getOrDefault(action, Set.of());
        if (roles.stream().anyMatch(principal::hasRole) || scopes.stream().anyMatch(principal::hasScope)) {
            return;
        }
        throw new Forbidden("%s needs one of the roles %s%s".formatted(action, roles,
                scopes.isEmpty() ? "" : " or scopes " + scopes),
                roles.stream().sorted().findFirst(), scopes.stream().sorted().findFirst());
    }
}
