package io.timestore.bench;

import io.timestore.audit.AuditJson;
import io.timestore.audit.delivery.DeliveryLoop;
import io.timestore.audit.delivery.DeliveryStore;
import io.timestore.audit.delivery.DeliveryTarget;
import io.timestore.audit.delivery.DeliveryTargets;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.delivery.file.FileSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Audit delivery to the file sink (issue #17), on a real Timestore (embedded PostgreSQL, fsync on):
 * <ol>
 *   <li><b>Throughput:</b> stores and seals {@code events} events (default 200,000) of a fresh
 *       tenant, then starts a {@link DeliveryLoop} with the default settings (1,000-event batches)
 *       feeding a {@link FileSink} (NDJSON, fsync per batch) and times until its cursor reaches the
 *       head. {@code rounds} (default 3) repeats with a new tenant.</li>
 *   <li><b>Catch-up:</b> a producer stores 1,000 events/s (100 every 100 ms, sealed by the server's
 *       sequencer every 200 ms) while the sink's file set cannot be written for {@code outage}
 *       seconds (default 60; a regular file where its directory belongs); then the directory is
 *       freed, production goes on, and it times until the backlog present at recovery is delivered.</li>
 * </ol>
 * Usage: {@code DeliveryLoad [events] [rounds] [outage-seconds]}.
 */
public final class DeliveryLoad {
    private DeliveryLoad() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int outage = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        var dataDir = Files.createTempDirectory("timestore-delivery");
        var settings = SettingsLoader.load(Map.of("server.port", "0", "data-dir", dataDir.toString(),
                "audit.checkpoint-every", "10000", "audit.checkpoint-interval", "1h"), Optional.empty(), Map.of());
        System.out.printf("load average at the start: %.2f (other processes share this machine)%n",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf("date %s, %d processors, %s %s; %,d events per round, outage %d s%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), events, outage);
        var loopSettings = DeliveryLoop.Settings.defaults();
        try (var server = Timestore.start(settings, List.of())) {
            server.sequencer().sealNow().get(1, TimeUnit.MINUTES);
            var runtime = server.database().runtimeDataSource();
            var events0 = new PostgresEventStore(runtime, new AuditJson());
            var store = new DeliveryStore(runtime, new AuditJson());
            for (int round = 1; round <= rounds; round++) {
                var tenant = "deliver" + round;
                var all = AuditBenchEvents.events(tenant, events);
                for (int from = 0; from < events; from += 1_000) {
                    events0.append(all.subList(from, Math.min(events, from + 1_000)));
                }
                server.sequencer().sealNow().get(10, TimeUnit.MINUTES);
                var directory = dataDir.resolve("sink-" + round);
                var name = "bench-" + round;
                long t = System.nanoTime();
                try (var sink = fileSink(name, directory);
                     var loop = new DeliveryLoop(runtime, store, DeliveryTargets.of(List.of(DeliveryTarget.onePartition(sink, tenant))),
                             loopSettings, DeliveryLoop.Observer.NONE).start()) {
                    await(Duration.ofMinutes(10), () -> delivered(store, name, tenant) >= events);
                }
                double seconds = (System.nanoTime() - t) / 1e9;
                long bytes = size(directory);
                System.out.printf("RESULT round %d: delivered %,d events (%,d MiB of NDJSON, fsync per batch) in %.2f s = %,.0f events/s%n",
                        round, events, bytes >> 20, seconds, events / seconds);
            }
            catchUp(server, store, dataDir, outage, loopSettings);
        }
        System.out.printf("load average at the end: %.2f%n", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        ScratchDirectory.delete(dataDir);
        System.exit(0);
    }

    private static void catchUp(Timestore server, DeliveryStore store, Path dataDir, int outage, DeliveryLoop.Settings loopSettings)
            throws Exception {
        var tenant = "outage";
        var name = "outage-sink";
        var directory = dataDir.resolve("sink-outage");
        Files.createDirectories(directory);
        var blocker = Files.writeString(directory.resolve(tenant), "the receiver is down");
        var producing = new AtomicBoolean(true);
        var appender = new PostgresEventStore(server.database().runtimeDataSource(), new AuditJson());
        var producer = Thread.ofPlatform().name("producer").start(() -> {
            int i = 0;
            long next = System.nanoTime();
            while (producing.get()) {
                appender.append(AuditBenchEvents.events(tenant, i, 100));
                i += 100;
                next += Duration.ofMillis(100).toNanos();
                LockSupport.parkNanos(next - System.nanoTime());
            }
        });
        try (var sink = fileSink(name, directory);
             var loop = new DeliveryLoop(server.database().runtimeDataSource(), store,
                     DeliveryTargets.of(List.of(DeliveryTarget.onePartition(sink, tenant))), loopSettings, DeliveryLoop.Observer.NONE)
                     .start()) {
            Thread.sleep(Duration.ofSeconds(outage));
            var atRecovery = store.cursors(Optional.of(name)).stream().filter(c -> c.partition().equals(tenant)).findFirst().orElseThrow();
            Files.delete(blocker);
            long t = System.nanoTime();
            await(Duration.ofMinutes(10), () -> delivered(store, name, tenant) >= atRecovery.headSeq());
            double seconds = (System.nanoTime() - t) / 1e9;
            System.out.printf("RESULT catch-up: after a %d s outage at 1,000 events/s (backlog %,d events, oldest %.0f s), "
                            + "the backlog was delivered %.2f s after recovery, production going on%n",
                    outage, atRecovery.lagEvents(), atRecovery.lag().toMillis() / 1000.0, seconds);
        } finally {
            producing.set(false);
            producer.join();
        }
    }

    private static FileSink fileSink(String name, Path directory) {
        var json = new AuditJson();
        return new FileSink(name, new FileSink.Settings(directory, FileSink.Layout.PER_PARTITION, 100L << 20, Duration.ofDays(1)),
                event -> json.write(event).getBytes(StandardCharsets.UTF_8), InstantSource.system());
    }

    private static long delivered(DeliveryStore store, String sink, String tenant) {
        return store.cursors(Optional.of(sink)).stream().filter(c -> c.partition().equals(tenant))
                .mapToLong(c -> c.deliveredSeq()).findFirst().orElse(0);
    }

    private static long size(Path directory) throws java.io.IOException {
        try (var files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static void await(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out");
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }
}
