package io.timestore.server.db;

import io.timestore.server.testing.SharedPostgres;
import java.sql.SQLException;
import org.flywaydb.core.api.MigrationVersion;

/** A new database of the shared cluster migrated only up to a given version: for tests of upgrades. */
public final class OlderSchema {
    private OlderSchema() {}

    /** Creates {@code database} (with the test roles) and migrates it up to {@code version} only. */
    public static String database(SharedPostgres postgres, String database, String version) throws SQLException {
        try (var superuser = postgres.superuser("postgres")) {
            Roles.ensureDatabase(superuser, database, SharedPostgres.OWNER, SharedPostgres.RUNTIME, SharedPostgres.RETENTION);
        }
        Migrations.migrate(postgres.target(database), MigrationVersion.fromVersion(version));
        return database;
    }
}
