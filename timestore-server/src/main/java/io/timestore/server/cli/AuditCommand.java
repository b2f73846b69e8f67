package io.timestore.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.timestore.audit.AuditJson;
import io.timestore.audit.AuditVerification;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.db.Database;
import io.timestore.server.identity.KeyFiles;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code timestore audit ...}: work on the audit trail from the command line. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Verify the audit trail.",
        subcommands = {AuditCommand.Verify.class})
final class AuditCommand implements Runnable {
    @ParentCommand
    Main main;

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(main.out());
    }

    /**
     * Recomputes every hash chain (or one tenant's) and checks every checkpoint signature against
     * the configured checkpoint key and the keys published in the database. Prints one JSON
     * report; exit code 0 when everything verifies, 3 when a chain does not.
     */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Recompute the audit hash chains and check the checkpoint signatures; exit 3 if one fails.")
    static final class Verify implements Callable<Integer> {
        static final int CHAIN_BROKEN = 3;

        @ParentCommand
        AuditCommand audit;

        @Mixin
        CommonOptions common;

        @Option(names = "--tenant", paramLabel = "TENANT", split = ",",
                description = "verify only these partitions (tenant ids, or _platform); default: all")
        List<String> tenants = List.of();

        @Option(names = "--trust-database-keys", negatable = true, defaultValue = "true",
                description = "also trust public keys published in the database (default); --no-trust-database-keys trusts only the configured key")
        boolean trustDatabaseKeys;

        @Override
        public Integer call() throws Exception {
            var main = audit.main;
            var settings = SettingsLoader.load(common.flags(), common.configFile(), main.environment());
            Logging.configure(settings.logFormat(), false);
            var key = Timestore.checkpointKeys(settings, new KeyFiles(settings.dataDir())).getPublic();
            try (var database = Database.open(settings.database(), settings.dataDir(), new SimpleMeterRegistry())) {
                var verification = new AuditVerification(database.runtimeDataSource(), new AuditJson(), List.of(key),
                        trustDatabaseKeys ? AuditVerification.KeyTrust.CONFIGURED_AND_STORED : AuditVerification.KeyTrust.CONFIGURED_ONLY);
                var report = tenants.isEmpty() ? verification.verifyAll() : verification.verify(tenants);
                var json = new ObjectMapper();
                var body = json.createObjectNode().put("ok", report.ok()).put("events_checked", report.eventsChecked());
                var partitions = body.putArray("tenants");
                report.partitions().forEach(result -> partitions.add(result.toJson()));
                main.out().println(json.writerWithDefaultPrettyPrinter().writeValueAsString(body));
                return report.ok() ? 0 : CHAIN_BROKEN;
            }
        }
    }
}
