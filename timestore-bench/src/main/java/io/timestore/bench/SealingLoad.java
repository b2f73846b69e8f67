package io.timestore.bench;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.audit.verify.AuditVerification;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Sealing and verification from PostgreSQL (issue 6): starts a real Timestore (embedded
 * PostgreSQL, fsync on) whose sequencer only runs when asked, stores {@code --events} events
 * (default 100,000) of a fresh tenant through {@link PostgresEventStore}, then times one
 * {@code Sequencer.sealNow()} round that seals them all (10,000-event transactions, a signed
 * checkpoint per 10,000), and {@link AuditVerification#verify(String)} of the sealed chain read back
 * from the database. {@code --rounds N} (default 3) repeats with a new tenant each time. With
 * {@code -Dsealing.verify=false} the verification is skipped (a quicker run when only sealing is
 * studied, for example under a profiler; its figures then read 0).
 */
public final class SealingLoad {
    private static final boolean VERIFY = Boolean.parseBoolean(System.getProperty("sealing.verify", "true"));

    private SealingLoad() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        var dataDir = Files.createTempDirectory("timestore-sealing");
        var settings = SettingsLoader.load(Map.of("server.port", "0", "data-dir", dataDir.toString(),
                "audit.seal-interval", "1h", "audit.checkpoint-every", "10000", "audit.checkpoint-interval", "1h"),
                Optional.empty(), Map.of());
        System.out.printf("load average at the start: %.2f (other processes share this machine)%n",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf("date %s, %d processors, %s %s; %,d events per round%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), events);
        try (var server = Timestore.start(settings, List.of())) {
            var sequencer = server.sequencer();
            sequencer.sealNow().get(1, TimeUnit.MINUTES); // takes the lead, seals the start-up events
            var sink = new PostgresEventStore(server.database().runtimeDataSource(), new AuditJson());
            var verification = new AuditVerification(server.database().runtimeDataSource(), new AuditJson(), List.of(),
                    AuditVerification.KeyTrust.CONFIGURED_AND_STORED);
            for (int round = 1; round <= rounds; round++) {
                String tenant = "seal" + round;
                List<AuditEvent> all = AuditBenchEvents.events(tenant, events);
                long t = System.nanoTime();
                for (int from = 0; from < events; from += 1_000) {
                    sink.append(all.subList(from, Math.min(events, from + 1_000)));
                }
                double stored = (System.nanoTime() - t) / 1e9;
                t = System.nanoTime();
                var result = sequencer.sealNow().get(10, TimeUnit.MINUTES);
                double sealing = (System.nanoTime() - t) / 1e9;
                double verifying = Double.POSITIVE_INFINITY;
                if (VERIFY) {
                    t = System.nanoTime();
                    var verified = verification.verify(tenant);
                    verifying = (System.nanoTime() - t) / 1e9;
                    if (!verified.ok() || verified.eventsChecked() != events) {
                        throw new IllegalStateException("verification failed: " + verified.message());
                    }
                }
                System.out.printf("RESULT round %d: stored %,d events in %.2f s (%,.0f/s); sealed %,d in %.2f s = %,.0f events/s; "
                                + "verified from the database in %.2f s = %,.0f events/s%n", round, events, stored, events / stored,
                        result.sealed(), sealing, result.sealed() / sealing, verifying, events / verifying);
            }
        }
        System.out.printf("load average at the end: %.2f%n", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        ScratchDirectory.delete(dataDir);
        System.exit(0);
    }
}
