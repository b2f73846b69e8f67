package io.timestore.bench;

import io.timestore.audit.AuditJson;
import io.timestore.audit.store.GroupCommitRecorder;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.db.Database;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/**
 * The floor under the audit wait of a lone request (issues 4 and 6): on a real Timestore
 * (embedded PostgreSQL, fsync and synchronous_commit on) with nothing else running, times
 * {@link PostgresEventStore#append} of one event at a time — what the group commit does when a
 * single request waits — on the runtime pool, on the server's audit pool, and through a
 * {@link GroupCommitRecorder} with the server's writers; then a database round trip and an empty
 * transaction. {@code --events N} (default 5,000 measured each, after 1,000 of warm-up);
 * {@code --pause-ms N} (default 0) waits that long before each timed step, untimed, as a lone
 * request arriving every few milliseconds leaves the machine idle between its commits;
 * {@code --pause-mode idle|spin} (default idle) parks the thread or keeps its CPU busy meanwhile.
 */
public final class AuditCommitLatency {
    /** What happens between two timed steps, untimed: nothing, idling, or spinning on this thread. */
    private record Pause(long nanos, boolean spin) {
        void take() {
            if (nanos == 0) {
                return;
            }
            if (!spin) {
                LockSupport.parkNanos(nanos);
                return;
            }
            long until = System.nanoTime() + nanos;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
    }

    private AuditCommitLatency() {}

    public static void main(String[] args) throws Exception {
        var options = new HashMap<String, String>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        int measured = Integer.parseInt(options.getOrDefault("--events", "5000"));
        var pause = new Pause(Long.parseLong(options.getOrDefault("--pause-ms", "0")) * 1_000_000L,
                options.getOrDefault("--pause-mode", "idle").equals("spin"));
        var dataDir = Files.createTempDirectory("timestore-commit");
        System.out.printf("load average at the start: %.2f; date %s, %d processors%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Instant.now(),
                Runtime.getRuntime().availableProcessors());
        var settings = SettingsLoader.load(Map.of("server.port", "0", "data-dir", dataDir.toString()), Optional.empty(), Map.of());
        try (var server = Timestore.start(settings, List.of())) {
            DataSource pool = server.database().runtimeDataSource();
            var sink = new PostgresEventStore(pool, new AuditJson());
            var events = AuditBenchEvents.events("latency", 1_000 + measured);
            long[] took = new long[1_000 + measured];
            for (int i = 0; i < took.length; i++) {
                pause.take();
                long started = System.nanoTime();
                sink.append(List.of(events.get(i)));
                took[i] = System.nanoTime() - started;
            }
            report("one event appended and committed (durable)", Arrays.copyOfRange(took, 1_000, took.length));
            // The same through the server's own audit pool, and through a group-commit recorder on
            // it with the server's number of writers: what a lone request's audit wait consists of.
            var auditSink = new PostgresEventStore(server.database().auditDataSource(), new AuditJson());
            var more = AuditBenchEvents.events("latency-pool", measured);
            int[] next = {0};
            report("the same on the audit pool", time(measured, pause, () -> auditSink.append(List.of(more.get(next[0]++)))));
            var grouped = AuditBenchEvents.events("latency-grouped", measured);
            try (var recorder = new GroupCommitRecorder(auditSink, 1_000, 100, Database.AUDIT_CONNECTIONS,
                    GroupCommitRecorder.Observer.NONE)) {
                int[] i = {0};
                report("the same through a group-commit recorder, waiting for it", time(measured, pause, () ->
                        recorder.record(grouped.get(i[0]++)).toCompletableFuture().join()));
            }
            report("set_config in a transaction, then an empty commit", time(measured, pause, () -> {
                try (var connection = pool.getConnection()) {
                    connection.setAutoCommit(false);
                    setTenant(connection);
                    connection.commit();
                }
            }));
            try (var connection = pool.getConnection()) {
                connection.setAutoCommit(false);
                report("one round trip (set_config)", time(measured, pause, () -> setTenant(connection)));
                connection.commit();
            }
        } finally {
            ScratchDirectory.delete(dataDir);
        }
        System.exit(0);
    }

    private interface Step {
        void run() throws SQLException;
    }

    private static long[] time(int times, Pause pause, Step step) throws SQLException {
        long[] took = new long[times];
        for (int i = 0; i < times; i++) {
            pause.take();
            long started = System.nanoTime();
            step.run();
            took[i] = System.nanoTime() - started;
        }
        return took;
    }

    private static void setTenant(java.sql.Connection connection) throws SQLException {
        try (var statement = connection.prepareStatement("SELECT set_config('app.tenant_id', ?, true)")) {
            statement.setString(1, "latency");
            statement.execute();
        }
    }

    private static void report(String what, long[] took) {
        Arrays.sort(took);
        System.out.printf("RESULT %s: median %.3f ms, p95 %.3f ms, p99 %.3f ms (%,d runs)%n", what, took[took.length / 2] / 1e6,
                took[took.length * 95 / 100] / 1e6, took[took.length * 99 / 100] / 1e6, took.length);
    }
}
