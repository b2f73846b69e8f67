package io.timestore.server.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Api;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.CrashRestarts;
import io.timestore.server.testing.RowLock;
import io.timestore.server.testing.SharedPostgres;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * G5 across a crash: a real server process is killed with SIGKILL while a request with an
 * Idempotency-Key is in the middle of its work, and a new process serves the retry. What the
 * killed process did not commit left nothing behind, so the retry runs as new; what it committed
 * is replayed. Never 409. The request is held at the chosen point by row locks of the test.
 */
class IdempotencyAfterCrashTest {
    private static SharedPostgres postgres;

    @RegisterExtension
    static final BeforeAllCallback shared = context -> postgres = SharedPostgres.in(context);

    @TempDir
    Path dataDir;

    @Test
    void a_request_killed_inside_its_transaction_left_nothing_behind_so_the_retry_runs_as_new() throws Exception {
        var servers = CrashRestarts.on(postgres, "crash_inside", dataDir, "");
        var database = servers.database();
        try (var first = servers.serve()) {
            var api = new Api(first.awaitListening(Duration.ofSeconds(90)));
            createDataset(api, servers);
            try (var lock = lockDataset(database)) {
                var killed = inBackground(() -> describe(api, servers, "key-inside", "first-attempt"));
                lock.awaitWaiting(1, Duration.ofSeconds(30));
                first.kill();
                assertThat(killed).failsWithin(Duration.ofSeconds(30));
            }
            servers.awaitSessionsEnded();
        }

        try (var second = servers.serve()) {
            var api = new Api(second.awaitListening(Duration.ofSeconds(90)));
            var retry = describe(api, servers, "key-inside", "retry");

            assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
            assertThat(retry.header("Idempotent-Replayed")).isNull();
            assertThat(retry.json().get("revision").asLong()).isEqualTo(2);
            assertThat(results(database, "first-attempt")).isEmpty();
            assertThat(results(database, "retry")).containsExactly("succeeded");
        }
    }

    @Test
    void a_request_killed_after_its_commit_is_replayed_by_the_next_process() throws Exception {
        var servers = CrashRestarts.on(postgres, "crash_after", dataDir, "");
        var database = servers.database();
        try (var first = servers.serve()) {
            var api = new Api(first.awaitListening(Duration.ofSeconds(90)));
            createDataset(api, servers);
            try (var lock = lockDataset(database)) {
                var killed = inBackground(() -> describe(api, servers, "key-after", "first-attempt"));
                lock.awaitWaiting(1, Duration.ofSeconds(30));
                // Also lock the key's stored rows, if the server keeps any while the request runs: a
                // server that stores the response after committing the change is stopped right there.
                try (var keyLock = RowLock.hold(postgres, database,
                        "SELECT 1 FROM idempotency_keys WHERE tenant_id = 'acme' AND key = ? FOR UPDATE", "key-after")) {
                    lock.release();
                    Await.until("the change is committed", Duration.ofSeconds(30), () -> revision(database) == 2);
                    first.kill();
                    killed.handle((response, failure) -> null).join();
                }
            }
            servers.awaitSessionsEnded();
        }

        try (var second = servers.serve()) {
            var api = new Api(second.awaitListening(Duration.ofSeconds(90)));
            var retry = describe(api, servers, "key-after", "retry");

            assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
            assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
            assertThat(retry.json().get("revision").asLong()).isEqualTo(2);
            assertThat(revision(database)).as("applied once").isEqualTo(2);
            assertThat(results(database, "first-attempt")).containsExactly("succeeded");
            assertThat(results(database, "retry")).as("a replay adds no event").isEmpty();
        }
    }

    private static String admin(CrashRestarts servers) {
        return "Bearer " + servers.tokens().user("acme", "tenant-admin");
    }

    private static void createDataset(Api api, CrashRestarts servers) {
        var created = api.postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}", "Authorization", admin(servers));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    /** PATCHes the dataset's description at revision 1, with {@code key} and the request id {@code requestId}. */
    private static ApiResponse describe(Api api, CrashRestarts servers, String key, String requestId) {
        var request = api.request("/storage/v1/datasets/cpu", "Authorization", admin(servers), "Idempotency-Key", key,
                        "X-Request-ID", requestId, "If-Match", "\"1\"", "Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"description\": \"described once\"}")).build();
        return api.send(request);
    }

    private static RowLock lockDataset(String database) {
        return RowLock.hold(postgres, database, "SELECT 1 FROM datasets WHERE tenant_id = 'acme' AND id = ? FOR UPDATE", "cpu");
    }

    private static long revision(String database) {
        try (var superuser = postgres.superuser(database);
             var rows = superuser.createStatement().executeQuery("SELECT revision FROM datasets WHERE tenant_id = 'acme' AND id = 'cpu'")) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The outcomes of the stored events of {@code requestId}. */
    private static List<String> results(String database, String requestId) throws SQLException {
        try (var superuser = postgres.superuser(database);
             var statement = superuser.prepareStatement("SELECT result FROM audit_events WHERE request_id = ?")) {
            statement.setString(1, requestId);
            var results = new ArrayList<String>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    results.add(rows.getString(1));
                }
            }
            return results;
        }
    }

    /** Sends on a thread of its own: the common pool may have a single thread on a small machine. */
    private static CompletableFuture<ApiResponse> inBackground(java.util.function.Supplier<ApiResponse> request) {
        return CompletableFuture.supplyAsync(request, task -> Thread.ofVirtual().start(task));
    }
}
