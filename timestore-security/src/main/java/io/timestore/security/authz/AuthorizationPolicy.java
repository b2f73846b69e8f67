package io.timestore.security.authz;

import static io.timestore.security.authz.Action.AUDIT_GET;
import static io.timestore.security.authz.Action.AUDIT_LIST;
import static io.timestore.security.authz.Action.DATASET_ADMIN;
import static io.timestore.security.authz.Action.DATASET_READ;
import static io.timestore.security.authz.Action.DATASET_WRITE;
import static io.timestore.security.authz.Action.REFRESH_READ;
import static io.timestore.security.authz.Action.REFRESH_WRITE;
import static io.timestore.security.authz.Action.TENANT_ADMIN;
import static io.timestore.security.authz.Action.TOKEN_MANAGE;

import io.timestore.security.Principal;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The tenant defaults: which actions each role and each OAuth scope grants (docs/architecture.md §6), plus the
 * few knobs around them. Configuration, built and validated once at startup; immutable.
 *
 * <p>Map iteration order is kept (configuration files are ordered): when a denial names a missing
 * role or scope, it names the <em>first</em> one in this order that grants the action, so put the
 * least-privileged role for an action first.
 *
 * <p>Rules, checked by the constructor (the message names the key and the rule):
 * <ul>
 *   <li>role and scope names are non-blank and contain no whitespace;</li>
 *   <li>{@code tenant:admin} may be granted only to the {@value Principal#PLATFORM_OPERATOR_ROLE}
 *       role, never to a tenant role or a scope;</li>
 *   <li>the {@value Principal#PLATFORM_OPERATOR_ROLE} role may grant only {@code tenant:admin},
 *       {@code audit:list} and {@code audit:get}: cross-tenant data access is not configurable;</li>
 *   <li>{@code datasetAdminOverrideRoles} may not contain {@value Principal#PLATFORM_OPERATOR_ROLE}.</li>
 * </ul>
 *
 * @param roles                     role name to the actions it grants on the tenant's resources
 * @param scopes                    OAuth scope to the actions it grants
 * @param redactedAuditRoles        roles whose audit grant comes with the {@link AuditView#REDACTED}
 *                                  view; any other role or scope granting audit gives the full view
 * @param datasetAdminOverrideRoles roles that satisfy {@code dataset:admin} on every dataset of their
 *                                  tenant, whatever its {@code admin} block says
 * @param apiTokenAuditView         the audit view of an API token allowed {@code audit:list}/{@code audit:get}
 */
public record AuthorizationPolicy(
        Map<String, Set<Action>> roles,
        Map<String, Set<Action>> scopes,
        Set<String> redactedAuditRoles,
        Set<String> datasetAdminOverrideRoles,
        AuditView apiTokenAuditView) {

    private static final Set<Action> PLATFORM_ACTIONS = EnumSet.of(TENANT_ADMIN, AUDIT_LIST, AUDIT_GET);

    public AuthorizationPolicy {
        roles = copy(roles, "auth.roles");
        scopes = copy(scopes, "auth.scopes");
        redactedAuditRoles = names(redactedAuditRoles, "auth.redacted-audit-roles");
        datasetAdminOverrideRoles = names(datasetAdminOverrideRoles, "auth.dataset-admin-override-roles");
        Objects.requireNonNull(apiTokenAuditView, "apiTokenAuditView");

        roles.forEach((role, actions) -> {
            boolean platform = role.equals(Principal.PLATFORM_OPERATOR_ROLE);
            if (!platform && actions.contains(TENANT_ADMIN)) {
                throw new IllegalArgumentException("auth.roles.%s: tenant:admin may be granted only to role %s, found it on role %s"
                        .formatted(role, Principal.PLATFORM_OPERATOR_ROLE, role));
            }
            if (platform && !PLATFORM_ACTIONS.containsAll(actions)) {
                var extra = EnumSet.copyOf(actions);
                extra.removeAll(PLATFORM_ACTIONS);
                throw new IllegalArgumentException("auth.roles.%s: the platform role may grant only tenant:admin, audit:list and audit:get, found %s"
                        .formatted(role, labels(extra)));
            }
        });
        scopes.forEach((scope, actions) -> {
            if (actions.contains(TENANT_ADMIN)) {
                throw new IllegalArgumentException("auth.scopes.%s: tenant:admin may not be granted by a scope, only by role %s"
                        .formatted(scope, Principal.PLATFORM_OPERATOR_ROLE));
            }
        });
        if (datasetAdminOverrideRoles.contains(Principal.PLATFORM_OPERATOR_ROLE)) {
            throw new IllegalArgumentException("auth.dataset-admin-override-roles: must not contain %s, a platform-wide role"
                    .formatted(Principal.PLATFORM_OPERATOR_ROLE));
        }
    }

    /** The built-in roles and scopes of docs/architecture.md §6, as documented in {@code docs/authorization.md}. */
    public static AuthorizationPolicy defaults() {
        var roles = new LinkedHashMap<String, Set<Action>>();
        roles.put("reader", EnumSet.of(DATASET_READ, REFRESH_READ));
        roles.put("writer", EnumSet.of(DATASET_READ, DATASET_WRITE, REFRESH_READ));
        roles.put("runtime-writer", EnumSet.of(DATASET_WRITE, REFRESH_READ, REFRESH_WRITE));
        roles.put("auditor", EnumSet.of(AUDIT_LIST, AUDIT_GET));
        roles.put("support", EnumSet.of(AUDIT_LIST, AUDIT_GET));
        roles.put("tenant-admin", EnumSet.of(DATASET_READ, DATASET_WRITE, DATASET_ADMIN, REFRESH_READ, REFRESH_WRITE,
                AUDIT_LIST, AUDIT_GET, TOKEN_MANAGE));
        roles.put(Principal.PLATFORM_OPERATOR_ROLE, EnumSet.of(TENANT_ADMIN, AUDIT_LIST, AUDIT_GET));

        var scopes = new LinkedHashMap<String, Set<Action>>();
        scopes.put("timestore.read", EnumSet.of(DATASET_READ, REFRESH_READ));
        scopes.put("timestore.write", EnumSet.of(DATASET_WRITE));
        scopes.put("timestore.refresh.write", EnumSet.of(REFRESH_WRITE));
        scopes.put("timestore.audit.read", EnumSet.of(AUDIT_LIST, AUDIT_GET));
        scopes.put("timestore.admin", EnumSet.of(DATASET_ADMIN, TOKEN_MANAGE));
        scopes.put("storage.read.refresh", EnumSet.of(REFRESH_READ));
        scopes.put("storage.write.refresh", EnumSet.of(REFRESH_WRITE));
        scopes.put("storage.read.audit", EnumSet.of(AUDIT_LIST, AUDIT_GET));

        return new AuthorizationPolicy(roles, scopes, Set.of("support"), Set.of("tenant-admin"), AuditView.REDACTED);
    }

    /** This policy with {@code role} granting exactly {@code actions} (added, or replacing its entry). */
    public AuthorizationPolicy withRole(String role, Set<Action> actions) {
        var next = new LinkedHashMap<>(roles);
        next.put(role, actions);
        return new AuthorizationPolicy(next, scopes, redactedAuditRoles, datasetAdminOverrideRoles, apiTokenAuditView);
    }

    /** This policy with {@code scope} granting exactly {@code actions} (added, or replacing its entry). */
    public AuthorizationPolicy withScope(String scope, Set<Action> actions) {
        var next = new LinkedHashMap<>(scopes);
        next.put(scope, actions);
        return new AuthorizationPolicy(roles, next, redactedAuditRoles, datasetAdminOverrideRoles, apiTokenAuditView);
    }

    static String requireName(String name, String key) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(key + ": role and scope names must not be blank");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isWhitespace(name.charAt(i)) || Character.isISOControl(name.charAt(i))) {
                throw new IllegalArgumentException(key + ": name must not contain whitespace or control characters, found '"
                        + name.strip() + "'");
            }
        }
        return name;
    }

    private static Map<String, Set<Action>> copy(Map<String, Set<Action>> source, String key) {
        Objects.requireNonNull(source, key);
        var copy = new LinkedHashMap<String, Set<Action>>();
        source.forEach((name, actions) -> {
            requireName(name, key);
            Objects.requireNonNull(actions, () -> key + "." + name + ": actions must not be null");
            copy.put(name, Collections.unmodifiableSet(actions.isEmpty() ? EnumSet.noneOf(Action.class) : EnumSet.copyOf(actions)));
        });
        return Collections.unmodifiableMap(copy);
    }

    private static Set<String> names(Set<String> source, String key) {
        Objects.requireNonNull(source, key);
        var copy = new LinkedHashSet<String>();
        for (String name : source) {
            copy.add(requireName(name, key));
        }
        return Collections.unmodifiableSet(copy);
    }

    private static String labels(Set<Action> actions) {
        var out = new StringBuilder();
        for (Action action : actions) {
            out.append(out.isEmpty() ? "" : ", ").append(action.label());
        }
        return out.toString();
    }
}
