package io.timestore.security.authz;

import java.util.Optional;
import java.util.Set;

/**
 * One dataset revision's access blocks, ready for the hot path: each present block as two hash
 * sets plus its prebuilt denial; {@code null} where the tenant defaults apply. Immutable.
 */
final class CompiledDataset {

    /** A present block. */
    record Requirement(Set<String> roles, Set<String> scopes, Decision.Denied denial) {

        /** Any held role (that counts) or any held scope listed by the block. */
        boolean satisfiedBy(io.timestore.security.Principal principal, boolean jwt, boolean foreign) {
            for (String role : principal.roles()) {
                if (roles.contains(role) && Grants.roleCounts(role, jwt, foreign)) {
                    return true;
                }
            }
            if (foreign) {
                return false;
            }
            for (String scope : principal.scopes()) {
                if (scopes.contains(scope)) {
                    return true;
                }
            }
            return false;
        }
    }

    final long revision;
    private final Requirement read;
    private final Requirement write;
    private final Requirement admin;

    private CompiledDataset(long revision, Requirement read, Requirement write, Requirement admin) {
        this.revision = revision;
        this.read = read;
        this.write = write;
        this.admin = admin;
    }

    static CompiledDataset compile(Resource.Dataset dataset) {
        DatasetAccess access = dataset.access();
        return new CompiledDataset(dataset.revision(),
                requirement(access.read(), Action.DATASET_READ),
                requirement(access.write(), Action.DATASET_WRITE),
                requirement(access.admin(), Action.DATASET_ADMIN));
    }

    /** The block governing {@code action}, or {@code null} when the tenant defaults apply. */
    Requirement requirement(Action action) {
        return switch (action) {
            case DATASET_READ -> read;
            case DATASET_WRITE -> write;
            case DATASET_ADMIN -> admin;
            default -> null;
        };
    }

    private static Requirement requirement(Optional<AccessRequirement> block, Action action) {
        if (block.isEmpty()) {
            return null;
        }
        AccessRequirement req = block.get();
        Optional<String> role = req.roles().stream().findFirst();
        Optional<String> scope = req.scopes().stream().findFirst();
        var denial = new Decision.Denied(Decision.Reason.ROLE_OR_SCOPE_MISSING,
                action.label() + " on this dataset requires " + list("role", req.roles())
                        + (req.roles().isEmpty() || req.scopes().isEmpty() ? "" : " or ") + list("scope", req.scopes()),
                role, scope);
        // HashSet copies: LinkedHashSet lookups are as fast, but Set.copyOf gives compact immutable sets.
        return new Requirement(Set.copyOf(req.roles()), Set.copyOf(req.scopes()), denial);
    }

    private static String list(String noun, Set<String> names) {
        if (names.isEmpty()) {
            return "";
        }
        return (names.size() == 1 ? noun + " " : "one of " + noun + "s ") + String.join(", ", names);
    }
}
