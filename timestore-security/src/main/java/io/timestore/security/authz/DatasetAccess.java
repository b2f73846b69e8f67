package io.timestore.security.authz;

import java.util.Objects;
import java.util.Optional;

/**
 * A dataset's {@code access} metadata (docs/architecture.md §8): which roles or scopes satisfy {@code read},
 * {@code write} and {@code admin} on it. An absent block means "the tenant defaults", that is the
 * {@link AuthorizationPolicy}'s role and scope mapping.
 *
 * <p>A present block <em>replaces</em> the defaults for its action on this dataset: only what it lists
 * satisfies that action, for every caller authenticated by roles and scopes. The one exception is
 * {@code admin}: the policy's {@link AuthorizationPolicy#datasetAdminOverrideRoles() override roles}
 * ({@code tenant-admin} by default) always satisfy it, so no dataset can be made unmanageable.
 * See {@code docs/authorization.md} for API tokens and the refresh actions.
 */
public record DatasetAccess(
        Optional<AccessRequirement> read, Optional<AccessRequirement> write, Optional<AccessRequirement> admin) {

    /** No blocks: every action follows the tenant defaults. */
    public static final DatasetAccess TENANT_DEFAULTS =
            new DatasetAccess(Optional.empty(), Optional.empty(), Optional.empty());

    public DatasetAccess {
        Objects.requireNonNull(read, "read");
        Objects.requireNonNull(write, "write");
        Objects.requireNonNull(admin, "admin");
    }

    public DatasetAccess withRead(AccessRequirement requirement) {
        return new DatasetAccess(Optional.of(requirement), write, admin);
    }

    public DatasetAccess withWrite(AccessRequirement requirement) {
        return new DatasetAccess(read, Optional.of(requirement), admin);
    }

    public DatasetAccess withAdmin(AccessRequirement requirement) {
        return new DatasetAccess(read, write, Optional.of(requirement));
    }

    /** The block governing {@code action}; empty for the tenant defaults and for non-block actions. */
    public Optional<AccessRequirement> blockFor(Action action) {
        return switch (action) {
            case DATASET_READ -> read;
            case DATASET_WRITE -> write;
            case DATASET_ADMIN -> admin;
            default -> Optional.empty();
        };
    }
}
