package io.timestore.server.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the data lives and as whom Timestore connects.
 *
 * <p>Two roles: the owner runs migrations and owns every table; the runtime role serves requests,
 * owns nothing and cannot bypass row-level security. Without a {@code url} Timestore runs an
 * embedded PostgreSQL under the data directory and creates both roles itself.
 *
 * @param url             JDBC URL of an external PostgreSQL 15+, or empty for the embedded one
 * @param ownerUser       role that owns the schema and runs migrations
 * @param ownerPassword   its password (external databases)
 * @param runtimeUser     role that serves requests
 * @param runtimePassword its password (external databases)
 * @param retentionUser   the only role that may delete audit history (the retention job's)
 * @param retentionPassword its password (external databases)
 * @param poolSize        maximum runtime connections
 * @param connectTimeout  how long to wait for a connection before failing
 * @param tls             TLS to an external database when its URL names no {@code sslmode}
 * @param schemaWatchInterval how often unexpected schema changes are looked for and reported
 */
public record DatabaseSettings(
        Optional<String> url,
        String ownerUser,
        Secret ownerPassword,
        String runtimeUser,
        Secret runtimePassword,
        String retentionUser,
        Secret retentionPassword,
        int poolSize,
        Duration connectTimeout,
        DatabaseTls tls,
        Duration schemaWatchInterval) {

    /** With the default TLS rule (verify-full unless the URL says otherwise). */
    public DatabaseSettings(Optional<String> url, String ownerUser, Secret ownerPassword, String runtimeUser, Secret runtimePassword,
                            String retentionUser, Secret retentionPassword, int poolSize, Duration connectTimeout) {
        this(url, ownerUser, ownerPassword, runtimeUser, runtimePassword, retentionUser, retentionPassword, poolSize, connectTimeout,
                DatabaseTls.VERIFY_FULL, DEFAULT_SCHEMA_WATCH_INTERVAL);
    }

    public static final Duration DEFAULT_SCHEMA_WATCH_INTERVAL = Duration.ofSeconds(10);

    public DatabaseSettings withSchemaWatchInterval(Duration replacement) {
        return new DatabaseSettings(url, ownerUser, ownerPassword, runtimeUser, runtimePassword, retentionUser, retentionPassword,
                poolSize, connectTimeout, tls, replacement);
    }

    public DatabaseSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(ownerUser, "ownerUser");
        Objects.requireNonNull(ownerPassword, "ownerPassword");
        Objects.requireNonNull(runtimeUser, "runtimeUser");
        Objects.requireNonNull(runtimePassword, "runtimePassword");
        Objects.requireNonNull(retentionUser, "retentionUser");
        Objects.requireNonNull(retentionPassword, "retentionPassword");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(schemaWatchInterval, "schemaWatchInterval");
    }

    public boolean embedded() {
        return url.isEmpty();
    }
}
