package io.timestore.security.authz;

import java.util.Objects;

/**
 * The {@code auth.*} configuration the {@link Authorizer} needs. Immutable; validated on
 * construction, with messages naming the key, the value and the rule.
 *
 * @param mode                   {@code auth.mode}; {@link AuthMode#STRICT} by default
 * @param globalQueryScope       {@code auth.legacy.global-query-scope}: in legacy mode, a caller
 *                               holding this scope may read any dataset of its tenant on query routes
 * @param unauthenticatedIngest  {@code auth.legacy.unauthenticated-ingest}: in legacy mode, admit
 *                               ingestion without credentials that names its tenant in {@code X-Tenant-ID};
 *                               {@code true} requires {@code auth.mode=legacy}
 * @param datasetCacheSize       {@code auth.dataset-cache-size}: compiled dataset requirements kept,
 *                               one per dataset (its latest revision seen)
 * @param policy                 the role and scope mapping
 */
public record AuthorizationSettings(
        AuthMode mode,
        String globalQueryScope,
        boolean unauthenticatedIngest,
        int datasetCacheSize,
        AuthorizationPolicy policy) {

    public static final String DEFAULT_GLOBAL_QUERY_SCOPE = "timestore.query";
    public static final int DEFAULT_DATASET_CACHE_SIZE = 10_000;

    public AuthorizationSettings {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(policy, "policy");
        AuthorizationPolicy.requireName(globalQueryScope, "auth.legacy.global-query-scope");
        if (unauthenticatedIngest && mode != AuthMode.LEGACY) {
            throw new IllegalArgumentException(
                    "auth.legacy.unauthenticated-ingest=true requires auth.mode=legacy, found auth.mode=" + mode.name().toLowerCase());
        }
        if (datasetCacheSize < 1 || datasetCacheSize > 10_000_000) {
            throw new IllegalArgumentException(
                    "auth.dataset-cache-size must be between 1 and 10000000, found " + datasetCacheSize);
        }
    }

    /** Strict mode, the default policy and cache size. */
    public static AuthorizationSettings strictDefaults() {
        return new AuthorizationSettings(AuthMode.STRICT, DEFAULT_GLOBAL_QUERY_SCOPE, false,
                DEFAULT_DATASET_CACHE_SIZE, AuthorizationPolicy.defaults());
    }

    /** Legacy mode with the default global query scope; unauthenticated ingestion as given. */
    public static AuthorizationSettings legacyDefaults(boolean unauthenticatedIngest) {
        return new AuthorizationSettings(AuthMode.LEGACY, DEFAULT_GLOBAL_QUERY_SCOPE, unauthenticatedIngest,
                DEFAULT_DATASET_CACHE_SIZE, AuthorizationPolicy.defaults());
    }
}
