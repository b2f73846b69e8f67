package io.timestore.server.cli;

import io.timestore.server.config.SettingsLoader;
import io.timestore.server.db.Database;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/**
 * Brings an existing database's schema up to date and prints the schema version it is at. An
 * external database may be empty (this gives it its schema); an embedded one must exist, since
 * only {@code serve} creates a data directory's cluster. Next to a running server it uses that
 * server's PostgreSQL and leaves it running.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Apply database migrations to an existing database as the owner role and check the runtime role, then exit.")
final class MigrateCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        var settings = SettingsLoader.load(common.flags(), common.configFile(), main.environment());
        Logging.configure(settings.logFormat(), false);
        var report = Database.migrateOnly(settings.database(), settings.dataDir());
        main.out().printf("migrated %s: %d migration(s) applied, schema version %s%n",
                report.database(), report.applied(), report.schemaVersion());
        return 0;
    }
}
