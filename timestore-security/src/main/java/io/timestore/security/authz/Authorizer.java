package io.timestore.security.authz;

import io.timestore.security.AuthMethod;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.security.TokenPermission;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a caller may perform an action on a resource (docs/architecture.md §6). Pure: no I/O, and
 * the decision is a function of (settings, security context, action, resource, route kind) only.
 * Thread-safe. Never returns {@code null}; a denial is a {@link Decision.Denied}, never an exception.
 *
 * <p>How a decision is made, in order (details and rationale in {@code docs/authorization.md}):
 * <ol>
 *   <li>A resource of another tenant than the request's: {@code tenant_mismatch} (answer 404).
 *       {@code tenant:admin} is platform-wide and exempt.</li>
 *   <li>{@link AuthMethod#LEGACY} (unauthenticated) callers: only the legacy ingestion rule.</li>
 *   <li>{@link AuthMethod#API_TOKEN}: only the token's permissions. A permission naming the dataset
 *       grants the action on it; an all-datasets permission grants it on datasets whose block for
 *       that action is absent (tenant defaults) and on the tenant resource. Never {@code tenant:admin}.</li>
 *   <li>JWT and signed-request callers: a dataset's {@code read}/{@code write}/{@code admin} block,
 *       when present, replaces the defaults for that action (plus the admin override roles);
 *       otherwise the policy's role and scope mapping decides. The platform role counts only from a
 *       JWT; a platform operator acting on another tenant holds only the platform role's actions.</li>
 *   <li>In {@link AuthMode#LEGACY}, a denied {@code dataset:read} on a {@link RouteKind#QUERY} route
 *       is allowed for a caller holding the global query scope, marked
 *       {@link LegacyRule#GLOBAL_QUERY_SCOPE}.</li>
 * </ol>
 *
 * <p>{@link #decideTokenGrant} and {@link #decideKeyGrant} decide what a caller may put into a
 * credential it creates: never more than it may do, or holds, itself.
 */
public final class Authorizer {
    private final AuthorizationSettings settings;
    private final Grants grants;
    private final DatasetCache datasets;
    private final Decision.Allowed tokenAudit;
    private final Decision.Denied authenticationRequired = new Decision.Denied(Decision.Reason.AUTHENTICATION_REQUIRED,
            "the request carries no credentials", Optional.empty(), Optional.empty());
    private final Decision.Denied tenantMismatch = new Decision.Denied(Decision.Reason.TENANT_MISMATCH,
            "the resource does not exist", Optional.empty(), Optional.empty());

    public Authorizer(AuthorizationSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.grants = new Grants(settings.policy());
        this.datasets = new DatasetCache(settings.datasetCacheSize());
        this.tokenAudit = settings.policy().apiTokenAuditView() == AuditView.FULL
                ? Decision.Allowed.AUDIT_FULL : Decision.Allowed.AUDIT_REDACTED;
    }

    public AuthorizationSettings settings() {
        return settings;
    }

    /** {@link #decide(SecurityContext, Action, Resource, RouteKind)} on a {@link RouteKind#OTHER} route. */
    public Decision decide(SecurityContext context, Action action, Resource resource) {
        return decide(context, action, resource, RouteKind.OTHER);
    }

    /**
     * @param context  the authenticated caller and the tenant the request acts on
     * @param action   what the caller wants to do
     * @param resource the tenant, or a dataset with its current revision and access metadata
     * @param route    the kind of route; only legacy rules look at it
     * @return {@link Decision.Allowed} or {@link Decision.Denied}; never null
     * @throws IllegalArgumentException when a tenant-only action targets a dataset (a programming error)
     */
    public Decision decide(SecurityContext context, Action action, Resource resource, RouteKind route) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(route, "route");
        if (!action.datasetScoped() && resource instanceof Resource.Dataset) {
            throw new IllegalArgumentException(action.label() + " targets the tenant, not a dataset");
        }
        if (action != Action.TENANT_ADMIN && !resource.tenant().equals(context.tenant())) {
            return tenantMismatch;
        }
        Principal principal = context.principal();
        Decision decision = switch (principal.authMethod()) {
            case LEGACY -> legacy(action, resource, route);
            case API_TOKEN -> token(principal, action, resource);
            case JWT, SIGNED_REQUEST -> rolesAndScopes(context, principal, action, resource);
        };
        if (decision instanceof Decision.Denied && globalQueryScopeAdmits(context, principal, action, route)) {
            return Decision.Allowed.LEGACY_QUERY;
        }
        return decision;
    }

    /**
     * Whether {@code minter} may put {@code action} on {@code resource} into an API token it creates
     * (docs/authorization.md, "Minting credentials"): a token carries only what its creator may do
     * itself. For a permission naming a dataset, {@code resource} is that dataset as it is now (its
     * access block decides); for an all-datasets permission, and for the tenant-level actions, it is
     * the tenant (the tenant defaults decide). An audit action also needs at least the audit view API
     * tokens get ({@link AuthorizationPolicy#apiTokenAuditView()}).
     *
     * <p>Pure and thread-safe like {@link #decide}. A denial names what the minter is missing.
     *
     * @throws IllegalArgumentException for {@code token:manage} and {@code tenant:admin}, which no
     *                                  token carries, and for a tenant-only action on a dataset
     */
    public Decision decideTokenGrant(SecurityContext minter, Action action, Resource resource) {
        if (action == Action.TOKEN_MANAGE || action == Action.TENANT_ADMIN) {
            throw new IllegalArgumentException(action.label() + " is never granted to an API token");
        }
        Decision own = decide(minter, action, resource, RouteKind.OTHER);
        if (own instanceof Decision.Denied denied) {
            return new Decision.Denied(denied.reason(), "a token carries only what its creator may do, and "
                    + denied.detail(), denied.missingRole(), denied.missingScope());
        }
        if (action.isAudit() && tokenAudit.auditView().equals(Optional.of(AuditView.FULL))
                && own instanceof Decision.Allowed allowed && allowed.auditView().equals(Optional.of(AuditView.REDACTED))) {
            return grants.fullAuditDenial(action);
        }
        return own;
    }

    /**
     * Whether {@code minter} may give a signing key {@code roles} and {@code scopes}: only those it
     * holds itself, on this request (docs/authorization.md, "Minting credentials"). Holding is
     * literal — a role is held when the minter's JWT or signing key carries it, not when the minter
     * could do what the role grants — because a role also reaches every dataset whose access block
     * names it, now or later: a key whose roles and scopes are a subset of its creator's can never do
     * more than its creator could with the roles it had, whatever the blocks say. An API token holds
     * no roles or scopes; a platform operator acting on another tenant holds none of that tenant's.
     *
     * @throws IllegalArgumentException when {@code roles} contains the platform role, which a
     *                                  signing key never carries
     */
    public Decision decideKeyGrant(SecurityContext minter, Set<String> roles, Set<String> scopes) {
        Objects.requireNonNull(minter, "minter");
        if (roles.contains(Principal.PLATFORM_OPERATOR_ROLE)) {
            throw new IllegalArgumentException("a signing key never carries the " + Principal.PLATFORM_OPERATOR_ROLE + " role");
        }
        Principal principal = minter.principal();
        boolean holds = principal.authMethod() == AuthMethod.JWT || principal.authMethod() == AuthMethod.SIGNED_REQUEST;
        boolean foreign = minter.actingAsPlatformOperator();
        for (String role : roles) {
            if (!holds || foreign || !principal.hasRole(role)) {
                return new Decision.Denied(Decision.Reason.ROLE_OR_SCOPE_MISSING,
                        "a signing key carries only roles its creator holds; the caller does not hold role " + role,
                        Optional.of(role), Optional.empty());
            }
        }
        for (String scope : scopes) {
            if (!holds || foreign || !principal.hasScope(scope)) {
                return new Decision.Denied(Decision.Reason.ROLE_OR_SCOPE_MISSING,
                        "a signing key carries only scopes its creator holds; the caller does not hold scope " + scope,
                        Optional.empty(), Optional.of(scope));
            }
        }
        return Decision.Allowed.PLAIN;
    }

    private Decision rolesAndScopes(SecurityContext context, Principal principal, Action action, Resource resource) {
        boolean jwt = principal.authMethod() == AuthMethod.JWT;
        boolean foreign = context.actingAsPlatformOperator();
        if (resource instanceof Resource.Dataset dataset) {
            CompiledDataset.Requirement block = blockFor(dataset, action);
            if (block != null) {
                if (block.satisfiedBy(principal, jwt, foreign)
                        || (action == Action.DATASET_ADMIN && !foreign && grants.holdsAdminOverride(principal))) {
                    return Decision.Allowed.PLAIN;
                }
                return foreign ? grants.foreignDenial(action) : block.denial();
            }
        }
        long bit = action.bit();
        if (grants.allows(principal, bit, jwt, foreign)) {
            if (!action.isAudit()) {
                return Decision.Allowed.PLAIN;
            }
            return grants.fullAudit(principal, bit, jwt, foreign) ? Decision.Allowed.AUDIT_FULL : Decision.Allowed.AUDIT_REDACTED;
        }
        return foreign ? grants.foreignDenial(action) : grants.defaultDenial(action);
    }

    private Decision token(Principal principal, Action action, Resource resource) {
        if (action == Action.TENANT_ADMIN) {
            return grants.tokenDenial(action);
        }
        String label = action.label();
        String datasetId = resource instanceof Resource.Dataset dataset ? dataset.id() : null;
        var permissions = principal.tokenPermissions();
        for (int i = 0; i < permissions.size(); i++) {
            TokenPermission permission = permissions.get(i);
            if (!permission.action().equals(label)) {
                continue;
            }
            Optional<Set<String>> named = permission.datasets();
            boolean granted = named.isPresent()
                    ? datasetId != null && named.get().contains(datasetId)
                    // An all-datasets permission does not reach a dataset that restricts this action
                    // with its own block: such a dataset must be named in the token explicitly.
                    : datasetId == null || blockFor((Resource.Dataset) resource, action) == null;
            if (granted) {
                return action.isAudit() ? tokenAudit : Decision.Allowed.PLAIN;
            }
        }
        return grants.tokenDenial(action);
    }

    private Decision legacy(Action action, Resource resource, RouteKind route) {
        // A dataset with its own write block has said who may write: anonymous ingestion is not among them.
        if (settings.mode() == AuthMode.LEGACY && settings.unauthenticatedIngest()
                && route == RouteKind.INGEST && action == Action.DATASET_WRITE
                && (!(resource instanceof Resource.Dataset dataset) || blockFor(dataset, action) == null)) {
            return Decision.Allowed.LEGACY_INGEST;
        }
        return authenticationRequired;
    }

    private boolean globalQueryScopeAdmits(SecurityContext context, Principal principal, Action action, RouteKind route) {
        return settings.mode() == AuthMode.LEGACY
                && route == RouteKind.QUERY
                && action == Action.DATASET_READ
                && !context.actingAsPlatformOperator()
                && (principal.authMethod() == AuthMethod.JWT || principal.authMethod() == AuthMethod.SIGNED_REQUEST)
                && principal.hasScope(settings.globalQueryScope());
    }

    private CompiledDataset.Requirement blockFor(Resource.Dataset dataset, Action action) {
        if (action != Action.DATASET_READ && action != Action.DATASET_WRITE && action != Action.DATASET_ADMIN) {
            return null;
        }
        return datasets.get(dataset).requirement(action);
    }

    /** Compiled datasets currently cached (for metrics and tests). */
    int cachedDatasets() {
        return datasets.size();
    }
}
