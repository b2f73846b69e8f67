package io.timestore.security.authz;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * One block of a dataset's {@code access} metadata ({@code {"roles": [...], "scopes": [...]}}):
 * satisfied when the caller holds <em>any</em> listed role or <em>any</em> listed scope. Role names
 * may be anything the identity provider issues, not only the built-in roles.
 *
 * <p>Immutable. The listing order is kept: the first role and the first scope are the ones a denial
 * names as missing. A block naming nothing is refused — it would lock the action for everyone by
 * accident; omit the block to use the tenant defaults instead.
 */
public record AccessRequirement(Set<String> roles, Set<String> scopes) {

    public AccessRequirement {
        roles = ordered(roles, "roles");
        scopes = ordered(scopes, "scopes");
        if (roles.isEmpty() && scopes.isEmpty()) {
            throw new IllegalArgumentException(
                    "an access requirement must name at least one role or scope; omit the block to use the tenant defaults");
        }
    }

    public static AccessRequirement roles(String... roles) {
        return new AccessRequirement(new LinkedHashSet<>(java.util.List.of(roles)), Set.of());
    }

    public static AccessRequirement scopes(String... scopes) {
        return new AccessRequirement(Set.of(), new LinkedHashSet<>(java.util.List.of(scopes)));
    }

    private static Set<String> ordered(Set<String> names, String field) {
        Objects.requireNonNull(names, field);
        var copy = new LinkedHashSet<String>();
        for (String name : names) {
            copy.add(AuthorizationPolicy.requireName(name, field));
        }
        return Collections.unmodifiableSet(copy);
    }
}
