package io.timestore.server.db;

import io.timestore.server.config.DatabaseUrls;
import io.timestore.server.config.Secret;
import java.util.Objects;

/**
 * A reachable PostgreSQL database and the two roles Timestore uses on it.
 *
 * @param jdbcUrl         URL without credentials
 * @param ownerUser       owns the schema, runs migrations
 * @param ownerPassword   may be {@link Secret#none()} (embedded: local trust authentication)
 * @param runtimeUser     serves requests; owns nothing; subject to row-level security
 * @param runtimePassword may be {@link Secret#none()}
 * @param retentionUser   the audit retention job's role, the only one that may delete audit history
 * @param retentionPassword may be {@link Secret#none()}
 * @param kind            "embedded" or "external", for the startup log line
 */
public record DatabaseTarget(
        String jdbcUrl, String ownerUser, Secret ownerPassword, String runtimeUser, Secret runtimePassword,
        String retentionUser, Secret retentionPassword, String kind) {

    public DatabaseTarget {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(ownerUser, "ownerUser");
        Objects.requireNonNull(ownerPassword, "ownerPassword");
        Objects.requireNonNull(runtimeUser, "runtimeUser");
        Objects.requireNonNull(runtimePassword, "runtimePassword");
        Objects.requireNonNull(retentionUser, "retentionUser");
        Objects.requireNonNull(retentionPassword, "retentionPassword");
        Objects.requireNonNull(kind, "kind");
    }

    /** The URL with any credential masked, safe for logs. */
    public String maskedUrl() {
        return DatabaseUrls.mask(jdbcUrl);
    }
}
