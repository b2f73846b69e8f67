package io.timestore.security;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One permission carried by an API token: an action (for example {@code dataset:read}), either
 * for every dataset of the token's tenant ({@code datasets} empty) or only for the named ones.
 */
public record TokenPermission(String action, Optional<Set<String>> datasets) {
    public TokenPermission {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(datasets, "datasets");
        if (action.isBlank()) {
            throw new IllegalArgumentException("permission action must not be blank");
        }
        // "Limited to no datasets" would be a permission that permits nothing; an empty
        // Optional already means "all datasets", so an empty set is almost certainly a bug.
        if (datasets.isPresent() && datasets.get().isEmpty()) {
            throw new IllegalArgumentException(
                    "permission datasets must be absent (all datasets) or name at least one dataset, found an empty set");
        }
        datasets = datasets.map(Set::copyOf);
    }

    /** A permission for {@code action} on every dataset of the token's tenant. */
    public static TokenPermission onAllDatasets(String action) {
        return new TokenPermission(action, Optional.empty());
    }

    /** A permission for {@code action} limited to the named datasets. */
    public static TokenPermission onDatasets(String action, Set<String> datasets) {
        return new TokenPermission(action, Optional.of(datasets));
    }

    /** True when this permission grants {@code action} on {@code dataset}. */
    public boolean permits(String action, String dataset) {
        return this.action.equals(action) && datasets.map(names -> names.contains(dataset)).orElse(true);
    }
}
