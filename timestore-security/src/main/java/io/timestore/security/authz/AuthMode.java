package io.timestore.security.authz;

/** {@code auth.mode}: {@link #STRICT} by default; {@link #LEGACY} only while old clients migrate. */
public enum AuthMode {
    /** Only roles, scopes, dataset metadata and API token permissions grant anything. */
    STRICT,
    /** Additionally admits the {@link LegacyRule}s that are enabled; every such request is marked. */
    LEGACY
}
