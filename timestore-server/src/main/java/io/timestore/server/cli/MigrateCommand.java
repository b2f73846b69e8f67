package io.timestore.server.cli;

import io.timestore.server.config.SettingsLoader;
import io.timestore.server.db.Database;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Apply database migrations as the owner role and check the runtime role, then exit.")
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
