package io.timestore.server.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Options every database-touching command shares with {@code serve}, so {@code token},
 * {@code migrate} and {@code audit ...} find the same data directory and database.
 */
public final class CommonOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (env TIMESTORE_CONFIG)")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "data directory, default ./data (env TIMESTORE_DATA_DIR)")
    String dataDir;

    @Option(names = "--db-url", paramLabel = "URL", description = "external PostgreSQL JDBC URL; embedded PostgreSQL when absent (env TIMESTORE_DB_URL)")
    String dbUrl;

    @Option(names = "--db-user", paramLabel = "ROLE", description = "owner role that runs migrations (env TIMESTORE_DB_USER)")
    String dbUser;

    @Option(names = "--db-password", paramLabel = "PASSWORD", description = "owner role password; prefer env TIMESTORE_DB_PASSWORD")
    String dbPassword;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "json (default) or text (env TIMESTORE_LOG_FORMAT)")
    String logFormat;

    Optional<Path> configFile() {
        return Optional.ofNullable(config);
    }

    Map<String, String> flags() {
        var flags = new HashMap<String, String>();
        put(flags, "data-dir", dataDir);
        put(flags, "database.url", dbUrl);
        put(flags, "database.user", dbUser);
        put(flags, "database.password", dbPassword);
        put(flags, "log.format", logFormat);
        return flags;
    }

    static void put(Map<String, String> flags, String key, String value) {
        if (value != null) {
            flags.put(key, value);
        }
    }
}
