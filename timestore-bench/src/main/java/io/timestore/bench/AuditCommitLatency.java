package io.timestore.bench;

import io.timestore.audit.AuditJson;
import io.timestore.audit.GroupCommitRecorder;
import io.timestore.audit.PostgresAuditSink;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.db.Database;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The floor under the audit wait of a lone request (issues 4 and 6): on a real Timestore
 * (embedded PostgreSQL, fsync and synchronous_commit on) with nothing else running, times
 * {@link PostgresAuditSink#append} of one event at a time — what the group commit does when a
 * single request waits — on the runtime pool, on the server's audit pool, and through a
 * {@link GroupCommitRecorder} with the server's writers; then a database round trip and an empty
 * transaction. {@code --events N} (default 5,000 measured each, after 1,000 of warm-up).
 */
public final class AuditCommitLatency {
    private AuditCommitLatency() {}

    public static void main(String[] args) throws Exception {
        int measured = args.length > 1 && args[0].equals("--events") ? Integer.parseInt(args[1]) : 5_000;
        var dataDir = Files.createTempDirectory("timestore-commit");
        System.out.printf("load average at the start: %.2f; date %s, %d processors%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Instant.now(),
                Runtime.getRuntime().availableProcessors());
        var settings = SettingsLoader.load(Map.of("server.port", "0", "data-dir", dataDir.toString()), Optional.empty(), Map.of());
        try (var server = Timestore.start(settings, List.of())) {
            DataSource pool = server.database().runtimeDataSource();
            var sink = new PostgresAuditSink(pool, new AuditJson());
            var events = AuditBenchEvents.events("latency", 1_000 + measured);
            long[] took = new long[1_000 + measured];
            for (int i = 0; i < took.length; i++) {
                long started = System.nanoTime();
                sink.append(List.of(events.get(i)));
                took[i] = System.nanoTime() - started;
            }
            report("one event appended and committed (durable)", Arrays.copyOfRange(took, 1_000, took.length));
            // The same through the server's own audit pool, and through a group-commit recorder on
            // it with the server's number of writers: what a lone request's audit wait consists of.
            var auditSink = new PostgresAuditSink(server.database().auditDataSource(), new AuditJson());
            var more = AuditBenchEvents.events("latency-pool", measured);
            int[] next = {0};
            report("the same on the audit pool", time(measured, () -> auditSink.append(List.of(more.get(next[0]++)))));
            var grouped = AuditBenchEvents.events("latency-grouped", measured);
            try (var recorder = new GroupCommitRecorder(auditSink, 1_000, 100, Database.AUDIT_CONNECTIONS,
                    GroupCommitRecorder.Observer.NONE)) {
                int[] i = {0};
                report("the same through a group-commit recorder, waiting for it", time(measured, () ->
                        recorder.record(grouped.get(i[0]++)).toCompletableFuture().join()));
            }
            report("set_config in a transaction, then an empty commit", time(measured, () -> {
                try (var connection = pool.getConnection()) {
                    connection.setAutoCommit(false);
                    setTenant(connection);
                    connection.commit();
                }
            }));
            try (var connection = pool.getConnection()) {
                connection.setAutoCommit(false);
                report("one round trip (set_config)", time(measured, () -> setTenant(connection)));
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

    private static long[] time(int times, Step step) throws SQLException {
        long[] took = new long[times];
        for (int i = 0; i < times; i++) {
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
