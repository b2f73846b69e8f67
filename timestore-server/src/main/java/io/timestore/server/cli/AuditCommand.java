package io.timestore.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.timestore.audit.AuditJson;
import io.timestore.audit.verify.AuditVerification;
import io.timestore.server.Timestore;
import io.timestore.server.config.InvalidSettings;
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
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Verify, export, purge and witness the audit trail; list its sinks.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class, AuditCommand.Purge.class, AuditWitness.class,
                AuditSinksCommand.class})
final class AuditCommand implements Runnable {
    @ParentCommand
    Main main;

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(main.out());
    }

    /**
     * Every partition named with {@code --tenant} must be one the audit trail knows: verifying or
     * exporting a misspelt tenant must not end in an empty success ("ok", 0 events).
     */
    static void requireKnownPartitions(Database database, List<String> named) {
        var known = AuditVerification.partitions(database.runtimeDataSource());
        var unknown = named.stream().filter(partition -> !known.contains(partition)).toList();
        if (!unknown.isEmpty()) {
            throw new InvalidSettings("--tenant", "no audit partition '%s': the audit trail has no events or checkpoints for it"
                    .formatted(String.join("', '", unknown)));
        }
    }

    /**
     * Recomputes every hash chain (or one tenant's) and checks every checkpoint signature against
     * the configured checkpoint key and the keys published in the database. Prints one JSON
     * report; exit code 0 when everything verifies, 3 when a chain does not, 2 when the data
     * directory has no database or checkpoint key, or {@code --tenant} names no partition.
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
            try (var database = Database.openExisting(settings.database(), settings.dataDir(), new SimpleMeterRegistry())) {
                var key = Timestore.existingCheckpointKeys(settings, new KeyFiles(settings.dataDir())).getPublic();
                requireKnownPartitions(database, tenants);
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

    /**
     * Runs the retention purge now (or, with {@code --dry-run}, reports what it would remove),
     * honouring each tenant's retention and legal hold. Prints one JSON report.
     */
    @Command(name = "purge", mixinStandardHelpOptions = true,
            description = "Remove audit events past their tenant's retention (anchored so the rest still verifies).")
    static final class Purge implements Callable<Integer> {
        @ParentCommand
        AuditCommand audit;

        @Mixin
        CommonOptions common;

        @Option(names = "--tenant", paramLabel = "TENANT", split = ",", description = "only these partitions; default: all")
        List<String> tenants = List.of();

        @Option(names = "--dry-run", description = "report what would be purged; change nothing")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            var main = audit.main;
            var settings = SettingsLoader.load(common.flags(), common.configFile(), main.environment());
            Logging.configure(settings.logFormat(), false);
            var registry = new SimpleMeterRegistry();
            try (var database = Database.openExisting(settings.database(), settings.dataDir(), registry)) {
                var keys = Timestore.existingCheckpointKeys(settings, new KeyFiles(settings.dataDir()));
                requireKnownPartitions(database, tenants);
                var clock = java.time.InstantSource.system();
                var sink = new io.timestore.audit.store.PostgresEventStore(database.runtimeDataSource(), new AuditJson());
                try (var job = new io.timestore.server.retention.AuditRetentionJob(
                        new io.timestore.audit.retention.Retention(database.retentionDataSource(),
                                new io.timestore.audit.checkpoint.CheckpointSigner(keys, clock), 5_000),
                        database.runtimeDataSource(), database.transactions(), sink, settings.audit().retentionDays(), clock,
                        registry, deliveryHold(database, settings), settings.audit().delivery().maxHold())) {
                    var outcomes = job.run(dryRun, tenants.toArray(String[]::new));
                    if (outcomes.isEmpty()) {
                        main.out().println("{\"ok\": false, \"reason\": \"another instance is purging right now\"}");
                        return 1;
                    }
                    var json = new ObjectMapper();
                    var body = json.createObjectNode().put("dry_run", dryRun);
                    var items = body.putArray("partitions");
                    outcomes.get().forEach(o -> items.addObject().put("tenant_id", o.partition()).put("cutoff", o.cutoff().toString())
                            .put("from_seq", o.fromSeq()).put("through_seq", o.throughSeq()).put("events", o.events()));
                    main.out().println(json.writerWithDefaultPrettyPrinter().writeValueAsString(body));
                    return 0;
                }
            }
        }
    }

    /**
     * What the configured audit sinks and the tenants' own streams have delivered: a purge from the
     * command line holds back the rest by the server's rule ({@link io.timestore.server.delivery.RetentionHold}).
     */
    private static io.timestore.server.retention.AuditRetentionJob.DeliveryHold deliveryHold(Database database,
            io.timestore.server.config.Settings settings) {
        var store = new io.timestore.audit.delivery.DeliveryStore(database.runtimeDataSource());
        return new io.timestore.server.delivery.RetentionHold(store, settings.audit().delivery().sinks(), database.transactions())
                ::deliveredThrough;
    }

    /**
     * Streams a tenant's events (newest first) to stdout as NDJSON or CSV, from a database cursor,
     * so any range exports in flat memory. Works next to a running server.
     */
    @Command(name = "export", mixinStandardHelpOptions = true, description = "Export a tenant's audit events as NDJSON or CSV.")
    static final class Export implements Callable<Integer> {
        @ParentCommand
        AuditCommand audit;

        @Mixin
        CommonOptions common;

        @Option(names = "--tenant", required = true, paramLabel = "TENANT", description = "the partition (a tenant id, or _platform)")
        String tenant;

        @Option(names = "--from", paramLabel = "TIME", description = "inclusive start, RFC 3339")
        String from;

        @Option(names = "--to", paramLabel = "TIME", description = "exclusive end, RFC 3339")
        String to;

        @Option(names = "--format", paramLabel = "FORMAT", description = "ndjson (default) or csv")
        String format = "ndjson";

        @Override
        public Integer call() throws Exception {
            var main = audit.main;
            var settings = SettingsLoader.load(common.flags(), common.configFile(), main.environment());
            Logging.configure(settings.logFormat(), false);
            if (!tenant.equals(io.timestore.audit.AuditEvent.PLATFORM_PARTITION) && io.timestore.security.TenantId.parse(tenant).isEmpty()) {
                throw new io.timestore.server.config.InvalidSettings("--tenant", "'%s' is not a tenant id or _platform".formatted(tenant));
            }
            var kind = switch (format.toLowerCase(java.util.Locale.ROOT)) {
                case "ndjson" -> io.timestore.server.auditapi.AuditExport.Format.NDJSON;
                case "csv" -> io.timestore.server.auditapi.AuditExport.Format.CSV;
                default -> throw new io.timestore.server.config.InvalidSettings("--format", "must be ndjson or csv");
            };
            var start = time("--from", from);
            var end = time("--to", to);
            try (var database = Database.openExisting(settings.database(), settings.dataDir(), new SimpleMeterRegistry())) {
                requireKnownPartitions(database, List.of(tenant));
                var out = new java.io.BufferedWriter(new java.io.OutputStreamWriter(main.out(), java.nio.charset.StandardCharsets.UTF_8));
                new io.timestore.server.auditapi.AuditExport(database.transactions())
                        .export(List.of(tenant), start, end, kind, java.util.Optional.empty(), out);
                return 0;
            }
        }

        private static java.util.Optional<java.time.Instant> time(String option, String value) {
            if (value == null) {
                return java.util.Optional.empty();
            }
            try {
                return java.util.Optional.of(java.time.Instant.parse(value));
            } catch (java.time.format.DateTimeParseException e) {
                throw new io.timestore.server.config.InvalidSettings(option, "'%s' must be an RFC 3339 time".formatted(value));
            }
        }
    }
}
