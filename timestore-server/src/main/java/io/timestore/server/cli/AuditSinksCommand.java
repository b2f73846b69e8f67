package io.timestore.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.timestore.audit.delivery.DeliveryCursor;
import io.timestore.audit.delivery.DeliveryStore;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.Settings;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.config.SinkSettings;
import io.timestore.server.db.Database;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code timestore audit sinks}: every audit sink with its durable cursors per partition and how
 * far behind the sealed trail each is (docs/audit-delivery.md); {@code audit sinks resume} lets a
 * parked sink go on. Works next to a running server.
 */
@Command(name = "sinks", mixinStandardHelpOptions = true, subcommands = AuditSinksCommand.Resume.class,
        description = "List audit sinks with their cursors and lag per partition.")
final class AuditSinksCommand implements Callable<Integer> {
    @ParentCommand
    AuditCommand audit;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        var main = audit.main;
        var settings = load(main, common);
        try (var database = Database.openExisting(settings.database(), settings.dataDir(), new SimpleMeterRegistry())) {
            var cursors = new DeliveryStore(database.runtimeDataSource()).cursors(Optional.empty());
            main.out().println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report(settings, cursors)));
            return 0;
        }
    }

    private static Settings load(Main main, CommonOptions common) {
        var settings = SettingsLoader.load(common.flags(), common.configFile(), main.environment());
        Logging.configure(settings.logFormat(), false);
        return settings;
    }

    /** Configured sinks first (in file order, with or without cursors), then sinks known only by their cursors. */
    static ObjectNode report(Settings settings, List<DeliveryCursor> cursors) {
        var json = new ObjectMapper();
        var body = json.createObjectNode();
        var sinks = new LinkedHashMap<String, ObjectNode>();
        for (SinkSettings configured : settings.audit().delivery().sinks()) {
            sinks.put(configured.name(), json.createObjectNode().put("name", configured.name()).put("type", configured.type())
                    .put("configured", true));
        }
        for (var cursor : cursors) {
            sinks.computeIfAbsent(cursor.sink(), name -> json.createObjectNode().put("name", name).putNull("type")
                    .put("configured", false));
        }
        var items = body.putArray("sinks");
        sinks.forEach((name, sink) -> {
            var partitions = sink.putArray("partitions");
            long lagEvents = 0;
            double lagSeconds = 0;
            int parked = 0;
            for (var cursor : cursors) {
                if (!cursor.sink().equals(name)) {
                    continue;
                }
                var row = partitions.addObject().put("tenant_id", cursor.partition()).put("delivered_seq", cursor.deliveredSeq())
                        .put("head_seq", cursor.headSeq()).put("lag_events", cursor.lagEvents())
                        .put("lag_seconds", cursor.lag().toMillis() / 1000.0);
                row.put("delivered_at", cursor.deliveredAt().map(Object::toString).orElse(null));
                row.put("parked_at", cursor.parkedAt().map(Object::toString).orElse(null));
                row.put("parked_reason", cursor.parkedReason().orElse(null));
                lagEvents += cursor.lagEvents();
                lagSeconds = Math.max(lagSeconds, cursor.lag().toMillis() / 1000.0);
                parked += cursor.parked() ? 1 : 0;
            }
            sink.put("lag_events", lagEvents).put("lag_seconds", lagSeconds).put("parked", parked);
            items.add(sink);
        });
        return body;
    }

    /** Lets a parked sink go on from where it stopped (one partition, or all of the sink's). */
    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Resume delivery to a parked audit sink (after fixing what made it refuse).")
    static final class Resume implements Callable<Integer> {
        @ParentCommand
        AuditSinksCommand sinks;

        @Mixin
        CommonOptions common;

        @Option(names = "--sink", paramLabel = "NAME", required = true, description = "the sink's name")
        String sink;

        @Option(names = "--tenant", paramLabel = "TENANT", description = "only this partition (tenant id or _platform); default: all")
        String tenant;

        @Override
        public Integer call() throws Exception {
            var main = sinks.audit.main;
            var settings = load(main, common);
            try (var database = Database.openExisting(settings.database(), settings.dataDir(), new SimpleMeterRegistry())) {
                var store = new DeliveryStore(database.runtimeDataSource());
                if (store.cursors(Optional.of(sink)).isEmpty()) {
                    throw new InvalidSettings("--sink", "no audit sink '%s' has cursors (see timestore audit sinks)".formatted(sink));
                }
                int resumed = store.resume(sink, Optional.ofNullable(tenant));
                main.out().println(new ObjectMapper().createObjectNode().put("sink", sink).put("resumed", resumed).toString());
                return 0;
            }
        }
    }
}
