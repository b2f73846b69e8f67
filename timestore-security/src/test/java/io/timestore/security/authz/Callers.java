package io.timestore.security.authz;

import io.timestore.security.AuthMethod;
import io.timestore.security.Principal;
import io.timestore.security.PrincipalKind;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.security.TokenPermission;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Principals and contexts as the authenticator and tenant resolver would produce them. */
final class Callers {
    static final TenantId ACME = new TenantId("acme");
    static final TenantId GLOBEX = new TenantId("globex");

    private Callers() {}

    static SecurityContext jwt(Set<String> roles, Set<String> scopes) {
        return own(new Principal("alice", PrincipalKind.USER, Optional.of(ACME), roles, scopes, Set.of(),
                AuthMethod.JWT, List.of()));
    }

    static SecurityContext roles(String... roles) {
        return jwt(Set.of(roles), Set.of());
    }

    static SecurityContext scopes(String... scopes) {
        return jwt(Set.of(), Set.of(scopes));
    }

    static SecurityContext signed(Set<String> roles, Set<String> scopes) {
        return own(new Principal("key-1", PrincipalKind.SERVICE, Optional.of(ACME), roles, scopes, Set.of(),
                AuthMethod.SIGNED_REQUEST, List.of()));
    }

    static SecurityContext token(TokenPermission... permissions) {
        return own(new Principal("tok_1", PrincipalKind.API_TOKEN, Optional.of(ACME), Set.of(), Set.of(), Set.of(),
                AuthMethod.API_TOKEN, List.of(permissions)));
    }

    /** A platform operator whose credential belongs to globex, acting on acme with X-Tenant-ID. */
    static SecurityContext foreignOperator(String... extraRoles) {
        var roles = new java.util.HashSet<>(Set.of(extraRoles));
        roles.add(Principal.PLATFORM_OPERATOR_ROLE);
        var principal = new Principal("op", PrincipalKind.USER, Optional.of(GLOBEX), roles, Set.of("timestore.read"),
                Set.of(), AuthMethod.JWT, List.of());
        return new SecurityContext(principal, ACME, "req-1", "trace-1", true, Optional.of(ACME));
    }

    /** A platform operator of acme acting on acme. */
    static SecurityContext homeOperator(String... extraRoles) {
        var roles = new java.util.HashSet<>(Set.of(extraRoles));
        roles.add(Principal.PLATFORM_OPERATOR_ROLE);
        var principal = new Principal("op", PrincipalKind.USER, Optional.of(ACME), roles, Set.of(), Set.of(),
                AuthMethod.JWT, List.of());
        return new SecurityContext(principal, ACME, "req-1", "trace-1", false, Optional.of(ACME));
    }

    static SecurityContext anonymous() {
        return new SecurityContext(LegacyPrincipals.anonymous(), ACME, "req-1", "trace-1", false, Optional.of(ACME));
    }

    static SecurityContext own(Principal principal) {
        return new SecurityContext(principal, ACME, "req-1", "trace-1", false, Optional.empty());
    }
}
