package io.timestore.server.signingkeys;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * What a signing key carries: the roles and scopes its signed requests act with, in the order
 * they were given (stored and shown sorted).
 */
public record RolesAndScopes(Set<String> roles, Set<String> scopes) {
    public RolesAndScopes {
        roles = Collections.unmodifiableSet(new LinkedHashSet<>(Objects.requireNonNull(roles, "roles")));
        scopes = Collections.unmodifiableSet(new LinkedHashSet<>(Objects.requireNonNull(scopes, "scopes")));
    }
}
