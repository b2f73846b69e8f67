package io.timestore.security.authz;

import io.timestore.security.Principal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link AuthorizationPolicy} compiled for the hot path: one hash lookup per held role or scope
 * yields a {@code long} action mask; denials are prebuilt per action. Immutable, thread-safe.
 */
final class Grants {

    /** What one role or scope grants. */
    record Grant(long mask, boolean fullAudit, boolean platform) {}

    private final Map<String, Grant> roles = new HashMap<>();
    private final Map<String, Grant> scopes = new HashMap<>();
    private final Set<String> adminOverrideRoles;
    private final Decision.Denied[] defaultDenials = new Decision.Denied[Action.values().length];
    private final Decision.Denied[] tokenDenials = new Decision.Denied[Action.values().length];
    private final Decision.Denied[] foreignDenials = new Decision.Denied[Action.values().length];
    private final Decision.Denied[] fullAuditDenials = new Decision.Denied[Action.values().length];

    Grants(AuthorizationPolicy policy) {
        policy.roles().forEach((role, actions) -> roles.put(role, new Grant(mask(actions),
                !policy.redactedAuditRoles().contains(role), isPlatformRole(role))));
        policy.scopes().forEach((scope, actions) -> scopes.put(scope, new Grant(mask(actions), true, false)));
        adminOverrideRoles = Set.copyOf(policy.datasetAdminOverrideRoles());
        // Roles a full-view denial must not name: the redacted ones, and the platform role (no tenant's to hold).
        var notFull = new HashSet<>(policy.redactedAuditRoles());
        notFull.add(Principal.PLATFORM_OPERATOR_ROLE);
        for (Action action : Action.values()) {
            Optional<String> role = first(policy.roles(), action);
            Optional<String> scope = first(policy.scopes(), action);
            defaultDenials[action.ordinal()] = new Decision.Denied(Decision.Reason.ROLE_OR_SCOPE_MISSING,
                    action.label() + " requires " + describe(role, scope), role, scope);
            tokenDenials[action.ordinal()] = new Decision.Denied(Decision.Reason.TOKEN_PERMISSION_MISSING,
                    "the API token has no " + action.label() + " permission for this resource",
                    Optional.empty(), Optional.empty());
            foreignDenials[action.ordinal()] = new Decision.Denied(Decision.Reason.FOREIGN_TENANT_OPERATOR,
                    "a platform operator acting on another tenant holds only platform-wide authority there; "
                            + action.label() + " needs a credential of that tenant",
                    Optional.empty(), Optional.empty());
            Optional<String> fullRole = first(policy.roles(), action, notFull);
            fullAuditDenials[action.ordinal()] = new Decision.Denied(Decision.Reason.ROLE_OR_SCOPE_MISSING,
                    "API tokens get the full audit view; granting " + action.label() + " to one requires the full view, "
                            + "from " + describe(fullRole, scope), fullRole, scope);
        }
    }

    static boolean isPlatformRole(String role) {
        return Principal.PLATFORM_OPERATOR_ROLE.equals(role);
    }

    /**
     * Whether a held role counts: the platform role only from a JWT (as in the TenantResolver);
     * tenant roles and scopes only when the caller acts on its own tenant.
     */
    static boolean roleCounts(String role, boolean jwt, boolean foreign) {
        return isPlatformRole(role) ? jwt : !foreign;
    }

    /** True when a held role or scope grants {@code action} by the tenant defaults. */
    boolean allows(Principal principal, long bit, boolean jwt, boolean foreign) {
        for (String role : principal.roles()) {
            Grant grant = roles.get(role);
            if (grant != null && (grant.mask & bit) != 0 && roleCounts(role, jwt, foreign)) {
                return true;
            }
        }
        if (foreign) {
            return false;
        }
        for (String scope : principal.scopes()) {
            Grant grant = scopes.get(scope);
            if (grant != null && (grant.mask & bit) != 0) {
                return true;
            }
        }
        return false;
    }

    /** For an allowed audit action: true when any granting role or scope gives the full view. */
    boolean fullAudit(Principal principal, long bit, boolean jwt, boolean foreign) {
        for (String role : principal.roles()) {
            Grant grant = roles.get(role);
            if (grant != null && (grant.mask & bit) != 0 && grant.fullAudit && roleCounts(role, jwt, foreign)) {
                return true;
            }
        }
        if (!foreign) {
            for (String scope : principal.scopes()) {
                Grant grant = scopes.get(scope);
                if (grant != null && (grant.mask & bit) != 0 && grant.fullAudit) {
                    return true;
                }
            }
        }
        return false;
    }

    boolean holdsAdminOverride(Principal principal) {
        for (String role : principal.roles()) {
            if (adminOverrideRoles.contains(role)) {
                return true;
            }
        }
        return false;
    }

    Decision.Denied defaultDenial(Action action) {
        return defaultDenials[action.ordinal()];
    }

    Decision.Denied tokenDenial(Action action) {
        return tokenDenials[action.ordinal()];
    }

    Decision.Denied foreignDenial(Action action) {
        return foreignDenials[action.ordinal()];
    }

    /** For an audit action: the denial of a caller who sees only the redacted view (names a full-view grant). */
    Decision.Denied fullAuditDenial(Action action) {
        return fullAuditDenials[action.ordinal()];
    }

    static long mask(Set<Action> actions) {
        long mask = 0;
        for (Action action : actions) {
            mask |= action.bit();
        }
        return mask;
    }

    private static Optional<String> first(Map<String, Set<Action>> grants, Action action) {
        return first(grants, action, Set.of());
    }

    private static Optional<String> first(Map<String, Set<Action>> grants, Action action, Set<String> except) {
        for (var entry : grants.entrySet()) {
            if (entry.getValue().contains(action) && !except.contains(entry.getKey())) {
                return Optional.of(entry.getKey());
            }
        }
        return Optional.empty();
    }

    static String describe(Optional<String> role, Optional<String> scope) {
        if (role.isPresent() && scope.isPresent()) {
            return "role " + role.get() + " or scope " + scope.get();
        }
        return role.map(r -> "role " + r).or(() -> scope.map(s -> "scope " + s)).orElse("a grant no role or scope carries");
    }
}
