package io.timestore.server.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The whole configuration, built and validated once at startup by {@link SettingsLoader}.
 *
 * @param dataDir   where embedded PostgreSQL and generated keys live
 * @param http      the HTTP listener
 * @param database  the database and its roles
 * @param logFormat how log lines are written
 */
public record Settings(Path dataDir, HttpSettings http, DatabaseSettings database, LogFormat logFormat) {
    public Settings {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(logFormat, "logFormat");
    }

    public Settings withHttp(HttpSettings replacement) {
        return new Settings(dataDir, replacement, database, logFormat);
    }

    public Settings withDatabase(DatabaseSettings replacement) {
        return new Settings(dataDir, http, replacement, logFormat);
    }
}
