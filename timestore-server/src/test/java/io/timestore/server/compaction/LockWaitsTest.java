package io.timestore.server.compaction;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.TenantId;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A transaction that holds one of {@link PointLocks}'s locks and stays open (here: held by the
 * test, as an operator's hand-written transaction on the points view would) costs a skipped
 * compaction pass, a dataset passed by, or a {@code dataset_busy} answer: before the bounded waits
 * a compaction pass waited for it as long as it stayed open, and every write queued behind the pass.
 */
class LockWaitsTest {
    private static final TenantId ACME = new TenantId("acme");
    private static final long HOUR = 3_600_000_000_000L;

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final AcmeWrites acme = new AcmeWrites(server);

    private static StoredPoints stored;

    @BeforeAll
    static void tenant() {
        server.tenant("acme");
        stored = new StoredPoints(server.postgres(), server.database());
    }

    @Test
    void a_pass_gives_way_to_a_transaction_that_holds_the_write_lock_and_writes_go_on_meanwhile() throws Exception {
        acme.dataset("held_writes", "");
        long old = now() - 3 * HOUR;
        acme.write("held_writes", "m v=1 %d\n".formatted(old));
        try (var insert = openTransaction()) {
            // The points view's INSERT holds the write lock shared until its transaction ends, as a write does.
            execute(insert, "INSERT INTO points (tenant_id, dataset_id, series_id, ts_ns, f) "
                    + "SELECT 'acme', 'held_writes', id, %d, 2 FROM series WHERE tenant_id = 'acme' AND dataset_id = 'held_writes'"
                            .formatted(old + 1));
            var pass = CompletableFuture.supplyAsync(() -> server.timestore().compactor().runOnce());
            // Queued behind the pass while it waits (not awaited here: the pass waits one second only).
            var write = CompletableFuture.supplyAsync(() -> write("held_writes", "m v=3 %d\n".formatted(old + 2)));

            assertThat(write.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(204);
            assertThat(pass.get(30, TimeUnit.SECONDS)).as("no pass ran").isEmpty();
            assertThat(compactionBusy("write")).isEqualTo(1.0);
            insert.commit();
        }

        assertThat(server.timestore().compactor().runOnce()).hasValueSatisfying(p -> assertThat(p.pointsFolded()).isPositive());
        assertThat(stored.hot("held_writes")).isEmpty();
        assertThat(stored.visible("held_writes").get("m{} v")).isEqualTo(Map.of(old, "1.0", old + 1, "2.0", old + 2, "3.0"));
    }

    @Test
    void compaction_and_retention_pass_by_a_dataset_whose_chunk_lock_is_held_and_fold_and_purge_the_others() throws Exception {
        long expired = now() - 3 * 24 * HOUR;
        long old = now() - 3 * HOUR;
        for (var dataset : new String[] {"busy_background", "free_background"}) {
            acme.dataset(dataset, ", \"retention_days\": 1");
            acme.write(dataset, "m v=1 %d\nm v=2 %d\n".formatted(expired, old));
        }
        var both = Map.of(expired, "1.0", old, "2.0");
        try (var holder = openTransaction()) {
            PointLocks.lockChunks(holder, ACME, "busy_background");

            // On threads of their own: waiting for the lock as long as it is held would never end.
            assertThat(soon(() -> server.timestore().compactor().runOnce())).isPresent();
            soon(() -> server.timestore().pointsRetention().runOnce());

            assertThat(stored.hot("busy_background").get("m{} v")).isEqualTo(both);
            assertThat(stored.hot("free_background")).isEmpty();
            assertThat(stored.visible("free_background").get("m{} v")).isEqualTo(Map.of(old, "2.0"));
            assertThat(compactionBusy("chunks")).isEqualTo(1.0);
            holder.commit();
        }

        // Nothing was left behind for good: the next runs fold and purge the dataset passed by.
        server.timestore().compactor().runOnce();
        server.timestore().pointsRetention().runOnce();
        assertThat(stored.hot("busy_background")).isEmpty();
        assertThat(stored.visible("busy_background").get("m{} v")).isEqualTo(Map.of(old, "2.0"));
    }

    @Test
    void deleting_points_or_a_dataset_whose_chunk_lock_is_held_answers_503_dataset_busy_and_changes_nothing() throws Exception {
        acme.dataset("busy_deletes", "");
        long old = now() - 3 * HOUR;
        acme.write("busy_deletes", "m v=1 %d\nm v=2 %d\n".formatted(old, old + 1));
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        try (var holder = openTransaction()) {
            PointLocks.lockChunks(holder, ACME, "busy_deletes");
            var points = CompletableFuture.supplyAsync(() -> server.api().postJson("/api/v2/delete?org=acme&bucket=busy_deletes",
                    "{\"start\": \"1970-01-01T00:00:00Z\", \"stop\": \"2100-01-01T00:00:00Z\"}", bearer(server.tokens().user("acme", "writer"))));
            var dataset = CompletableFuture.supplyAsync(() -> server.api().send(
                    server.api().request("/storage/v1/datasets/busy_deletes", admin).DELETE().build()));
            // Both wait for the chunk lock, neither with the dataset's row locked: a write goes through meanwhile.
            awaitBlockedBy(holder, 2);
            assertThat(write("busy_deletes", "m v=3 %d\n".formatted(old + 2)).statusCode()).isEqualTo(204);
            assertThat(dataset).as("the dataset's deletion still waits").isNotDone();

            for (var answer : new ApiResponse[] {points.get(30, TimeUnit.SECONDS), dataset.get(30, TimeUnit.SECONDS)}) {
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
                assertThat(answer.contentType()).isEqualTo("application/problem+json");
                assertThat(answer.json().get("code").asText()).isEqualTo("dataset_busy");
                assertThat(answer.body()).doesNotContain("SQL").doesNotContain("55P03");
                assertThat(answer.header("Retry-After")).isEqualTo("1");
                var events = new AuditLog(server).eventsFor(answer.requestId());
                assertThat(events).singleElement().satisfies(event -> {
                    assertThat(event.at("/outcome/status").asInt()).isEqualTo(503);
                    assertThat(event.at("/outcome/error/code").asText()).isEqualTo("dataset_busy");
                });
            }
            holder.commit();
        }

        assertThat(stored.visible("busy_deletes").get("m{} v")).isEqualTo(Map.of(old, "1.0", old + 1, "2.0", old + 2, "3.0"));
        var deleted = server.api().send(server.api().request("/storage/v1/datasets/busy_deletes", admin).DELETE().build());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
    }

    @Test
    void deleting_a_dataset_that_writes_keep_holding_answers_503_dataset_busy_and_frees_its_chunk_lock() throws Exception {
        long old = datasetWithAnOldPoint("held_by_writes");
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        try (var writing = openTransaction()) {
            // What every write holds until it commits; writes that overlap keep it held for as long as they come.
            execute(writing, "SELECT revision FROM datasets WHERE tenant_id = 'acme' AND id = 'held_by_writes' FOR KEY SHARE");
            var answer = soon(() -> server.api().send(server.api().request("/storage/v1/datasets/held_by_writes", admin).DELETE().build()));

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
            assertThat(answer.json().get("code").asText()).isEqualTo("dataset_busy");
            // The deletion let go of the chunk lock: a compaction transaction takes it at once.
            try (var group = openTransaction()) {
                PointLocks.lockChunks(group, ACME, "held_by_writes");
            }
            writing.commit();
        }
        assertThat(stored.visible("held_by_writes").get("m{} v")).isEqualTo(Map.of(old, "1.0"));
    }

    @Test
    void a_deletion_rolled_back_to_break_a_deadlock_answers_503_transaction_conflict_and_its_retry_succeeds() throws Exception {
        long old = datasetWithAnOldPoint("crossed");
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        try (var other = openTransaction()) {
            // Locks in the other order than the server: the dataset's row first (as inserting a series does), then its chunk lock.
            execute(other, "SET LOCAL deadlock_timeout = '60s'"); // the server's backend, at its 1 s, is the one to break the cycle
            execute(other, "SELECT revision FROM datasets WHERE tenant_id = 'acme' AND id = 'crossed' FOR KEY SHARE");
            var deletion = CompletableFuture.supplyAsync(() -> server.api().send(
                    server.api().request("/storage/v1/datasets/crossed", admin).DELETE().build()));
            awaitBlockedBy(other, 1); // the deletion holds the chunk lock and waits for the row
            PointLocks.lockChunks(other, ACME, "crossed");

            var answer = deletion.get(30, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
            assertThat(answer.json().get("code").asText()).isEqualTo("transaction_conflict");
            assertThat(answer.header("Retry-After")).isEqualTo("1");
            assertThat(answer.body()).doesNotContain("SQL").doesNotContain("40P01").doesNotContain("deadlock");
            assertThat(new AuditLog(server).eventsFor(answer.requestId())).singleElement()
                    .satisfies(event -> assertThat(event.at("/outcome/error/code").asText()).isEqualTo("transaction_conflict"));
            other.commit();
        }
        assertThat(stored.visible("crossed").get("m{} v")).isEqualTo(Map.of(old, "1.0"));
        var retried = server.api().send(server.api().request("/storage/v1/datasets/crossed", admin).DELETE().build());
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(204);
    }

    /** Creates {@code dataset} with one point ({@code v=1}) three hours old, past the compaction age; returns its time. */
    private static long datasetWithAnOldPoint(String dataset) {
        acme.dataset(dataset, "");
        long old = now() - 3 * HOUR;
        acme.write(dataset, "m v=1 %d\n".formatted(old));
        return old;
    }

    private static ApiResponse write(String dataset, String lines) {
        return server.api().send(server.api().request("/api/v2/write?org=acme&bucket=" + dataset + "&precision=ns",
                bearer(server.tokens().user("acme", "writer"))).POST(HttpRequest.BodyPublishers.ofString(lines)).build());
    }

    /** What {@code work} returns, run on another thread and waited for at most 60 s. */
    private static <T> T soon(java.util.function.Supplier<T> work) throws Exception {
        return CompletableFuture.supplyAsync(work).get(60, TimeUnit.SECONDS);
    }

    private static long now() {
        return System.currentTimeMillis() * 1_000_000L;
    }

    /** The compactor's count of lock waits that ran out, for {@code lock}. */
    private static double compactionBusy(String lock) {
        return server.api().get("/metrics").body().lines()
                .filter(line -> line.startsWith("timestore_points_compaction_busy_total{") && line.contains("lock=\"" + lock + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static Connection openTransaction() throws SQLException {
        var connection = server.postgres().superuser(server.database());
        connection.setAutoCommit(false);
        return connection;
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Waits until {@code backends} other backends wait for a lock {@code holder}'s open transaction holds. */
    private static void awaitBlockedBy(Connection holder, int backends) throws SQLException {
        int pid;
        try (var statement = holder.createStatement(); var rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            pid = rows.getInt(1);
        }
        Await.until(backends + " backends wait for " + pid, Duration.ofSeconds(30), () -> {
            try (var watcher = server.postgres().superuser(server.database());
                 var statement = watcher.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE ? = ANY (pg_blocking_pids(pid))")) {
                statement.setInt(1, pid);
                try (var rows = statement.executeQuery()) {
                    rows.next();
                    return rows.getLong(1) >= backends;
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
