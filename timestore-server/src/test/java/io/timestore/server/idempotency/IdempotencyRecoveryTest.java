package io.timestore.server.idempotency;

import static io.timestore.server.testing.Api.headers;
import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.config.DatabaseSettings;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.RowLock;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * G5 when the database fails a first attempt: nothing of that attempt outlives it, so a retry with
 * the same Idempotency-Key runs as a new request, with an audit event of its own — never 409.
 * The first attempt is held inside its transaction by a row lock of the test, then its database
 * session is ended from under it.
 */
class IdempotencyRecoveryTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().with(settings -> {
        var db = settings.database();
        // An outage is noticed within a second, not the default five.
        return settings.withAudit(settings.audit().withMaxWait(Duration.ofSeconds(1)))
                .withDatabase(new DatabaseSettings(db.url(), db.ownerUser(), db.ownerPassword(), db.runtimeUser(),
                        db.runtimePassword(), db.retentionUser(), db.retentionPassword(), db.poolSize(), Duration.ofSeconds(1)));
    });
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
        audit = new AuditLog(server);
    }

    @Test
    void a_first_attempt_cut_off_by_a_database_outage_gets_503_and_the_retry_runs_as_new() throws Exception {
        createDataset("outage");
        ApiResponse failed;
        try (var lock = lockDataset("outage")) {
            var first = inBackground(() -> describe("outage", "key-outage", "after the outage"));
            lock.awaitWaiting(1, Duration.ofSeconds(30));
            try {
                outage(true, lock.pid());
                failed = first.get(60, TimeUnit.SECONDS);
            } finally {
                outage(false, lock.pid());
            }
        }

        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);
        // Just after the outage the pools may still hand out a connection that died with it, and a
        // client retries a 503 as it retries the first one: what matters is that no retry is ever
        // blocked (409) and the one that gets through is applied as new.
        var retry = new AtomicReference<ApiResponse>();
        Await.until("a retry that is not 503", Duration.ofSeconds(30), () -> {
            retry.set(describe("outage", "key-outage", "after the outage"));
            assertThat(retry.get().statusCode()).as(retry.get().body()).isIn(200, 503);
            return retry.get().statusCode() == 200;
        });
        var applied = retry.get();
        assertThat(applied.header("Idempotent-Replayed")).isNull();
        assertThat(applied.json().get("revision").asLong()).isEqualTo(2);
        assertThat(audit.eventsFor(applied.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/result").asText()).isEqualTo("succeeded"));
    }

    @Test
    void a_first_attempt_whose_session_was_terminated_gets_503_with_its_event_and_leaves_the_retry_an_event_of_its_own()
            throws Exception {
        createDataset("cut");
        ApiResponse failed;
        try (var lock = lockDataset("cut")) {
            var first = inBackground(() -> describe("cut", "key-cut", "after the cut"));
            terminate(lock.awaitWaiting(1, Duration.ofSeconds(30)));
            failed = first.get(60, TimeUnit.SECONDS);
        }

        // A session the database ends (57P01) committed nothing: retryable, 503, not an internal error.
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);
        assertThat(audit.eventsFor(failed.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/status").asInt()).isEqualTo(503));
        var retry = describe("cut", "key-cut", "after the cut");
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
        assertThat(retry.header("Idempotent-Replayed")).isNull();
        assertThat(retry.json().get("revision").asLong()).isEqualTo(2);
        assertThat(audit.eventsFor(retry.requestId())).as("the applied retry has its own success event").singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/result").asText()).isEqualTo("succeeded"));
    }

    private static String[] admin() {
        return bearer(server.tokens().user("acme", "tenant-admin"));
    }

    private static void createDataset(String id) {
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"" + id + "\"}", admin());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    /** PATCHes the description of dataset {@code id} at revision 1 with {@code key}. */
    private static ApiResponse describe(String id, String key, String description) {
        var request = server.api().request("/storage/v1/datasets/" + id, headers(admin(),
                        new String[] {"Idempotency-Key", key, "If-Match", "\"1\"", "Content-Type", "application/merge-patch+json"}))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"description\": \"" + description + "\"}")).build();
        return server.api().send(request);
    }

    private static RowLock lockDataset(String id) {
        return RowLock.hold(server.postgres(), server.database(),
                "SELECT 1 FROM datasets WHERE tenant_id = 'acme' AND id = ? FOR UPDATE", id);
    }

    /**
     * Starts or ends an outage of the server's database: while it lasts no session can be opened,
     * and starting it ends every session but the test's lock holder (PostgreSQL answers those
     * sessions' statements with 57P01, as when an administrator shuts the database down).
     */
    private static void outage(boolean start, int spared) throws SQLException {
        try (var superuser = server.postgres().superuser("postgres"); var statement = superuser.createStatement()) {
            statement.execute("ALTER DATABASE \"%s\" WITH ALLOW_CONNECTIONS %s".formatted(server.database(), !start));
            if (start) {
                try (var terminate = superuser.prepareStatement(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> ? AND pid <> pg_backend_pid()")) {
                    terminate.setString(1, server.database());
                    terminate.setInt(2, spared);
                    terminate.executeQuery().close();
                }
            }
        }
    }

    private static void terminate(List<Integer> pids) throws SQLException {
        try (var superuser = server.postgres().superuser("postgres");
             var terminate = superuser.prepareStatement("SELECT pg_terminate_backend(?)")) {
            for (int pid : pids) {
                terminate.setInt(1, pid);
                terminate.executeQuery().close();
            }
        }
    }

    /** Sends on a thread of its own: the common pool may have a single thread on a small machine. */
    private static CompletableFuture<ApiResponse> inBackground(java.util.function.Supplier<ApiResponse> request) {
        return CompletableFuture.supplyAsync(request, task -> Thread.ofVirtual().start(task));
    }
}
