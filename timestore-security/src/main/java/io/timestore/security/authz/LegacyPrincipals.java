package io.timestore.security.authz;

import io.timestore.security.AuthMethod;
import io.timestore.security.Principal;
import io.timestore.security.PrincipalKind;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The principal for a request without credentials that the server considers under the legacy
 * unauthenticated-ingestion rule. It names no tenant: the {@code TenantResolver} takes the tenant
 * from {@code X-Tenant-ID} (and refuses the request without one), and the {@link Authorizer} allows
 * it only {@code dataset:write} on an {@link RouteKind#INGEST} route when the rule is enabled.
 */
public final class LegacyPrincipals {
    /** The subject recorded as {@code actor.id} for unauthenticated legacy requests. */
    public static final String ANONYMOUS_SUBJECT = "legacy-anonymous";

    private static final Principal ANONYMOUS = new Principal(ANONYMOUS_SUBJECT, PrincipalKind.SERVICE, Optional.empty(),
            Set.of(), Set.of(), Set.of(), AuthMethod.LEGACY, List.of());

    private LegacyPrincipals() {}

    /** The one anonymous legacy principal; immutable and shared. */
    public static Principal anonymous() {
        return ANONYMOUS;
    }
}
