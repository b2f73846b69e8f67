package io.timestore.server.db;

import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings the schema up to date as the owner role. Migrations live in {@code db/migration} and
 * grant the runtime role exactly what it needs, table by table ({@code ${runtime_role}}).
 */
public final class Migrations {
    private Migrations() {}

    public static MigrateResult migrate(DatabaseTarget target) {
        return migrate(target, MigrationVersion.LATEST);
    }

    /** Migrates up to {@code version} only: tests of a migration start from the schema before it. */
    static MigrateResult migrate(DatabaseTarget target, MigrationVersion version) {
        return flyway(target, version).migrate();
    }

    /**
     * Migrates with the migrations in {@code extraLocation} as well: tests apply a migration of
     * their own the way Timestore applies its own (marked, as the owner).
     */
    static MigrateResult migrate(DatabaseTarget target, String extraLocation) {
        return flyway(target, MigrationVersion.LATEST, extraLocation).migrate();
    }

    /**
     * The version of the newest migration applied to the database, or empty when it has no
     * schema yet. Flyway's migrate result names a version only when it applied something.
     */
    public static Optional<String> currentVersion(DatabaseTarget target) {
        return Optional.ofNullable(flyway(target, MigrationVersion.LATEST).info().current())
                .map(MigrationInfo::getVersion)
                .map(MigrationVersion::getVersion);
    }

    private static Flyway flyway(DatabaseTarget target, MigrationVersion version, String... extraLocations) {
        var locations = new java.util.ArrayList<>(java.util.List.of("classpath:db/migration"));
        locations.addAll(java.util.List.of(extraLocations));
        return Flyway.configure()
                .dataSource(target.jdbcUrl(), target.ownerUser(), target.ownerPassword().reveal().orElse(""))
                .locations(locations.toArray(String[]::new))
                .javaMigrations(AuditTrailMigration.all().toArray(org.flywaydb.core.api.migration.JavaMigration[]::new))
                .placeholders(Map.of("runtime_role", target.runtimeUser(), "owner_role", target.ownerUser(),
                        "retention_role", target.retentionUser()))
                .callbacks(new MigrationMarker())
                .target(version)
                .cleanDisabled(true)
                .validateMigrationNaming(true)
                .load();
    }
}
