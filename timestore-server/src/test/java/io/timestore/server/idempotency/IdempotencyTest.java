package io.timestore.server.idempotency;

import static io.timestore.server.testing.Api.headers;
import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** G5: a retried mutation with the same Idempotency-Key is applied once and audited once. */
class IdempotencyTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;
    private static final String BODY = """
            {"name": "nightly", "permissions": [{"action": "dataset:read"}]}
            """;

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
        audit = new AuditLog(server);
    }

    private static String[] admin(String key) {
        return headers(bearer(server.tokens().user("acme", "tenant-admin")), new String[] {"Idempotency-Key", key});
    }

    private static long tokensNamed(String name) {
        var list = server.api().get("/admin/v1/tokens?limit=1000", bearer(server.tokens().user("acme", "tenant-admin")));
        long count = 0;
        for (var token : list.json().get("items")) {
            if (token.get("name").asText().equals(name)) {
                count++;
            }
        }
        return count;
    }

    @Test
    void a_retry_replays_the_original_response_without_applying_it_again_or_a_second_event() {
        var first = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "retry-me"), admin("key-1"));
        var retry = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "retry-me"), admin("key-1"));

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.json().get("id").asText()).isEqualTo(first.json().get("id").asText());
        assertThat(retry.header("Location")).isEqualTo(first.header("Location"));
        assertThat(retry.json().has("token")).as("the secret is never stored, so never replayed").isFalse();
        assertThat(tokensNamed("retry-me")).isEqualTo(1);
        assertThat(audit.eventsFor(first.requestId())).hasSize(1);
        assertThat(audit.eventsFor(retry.requestId())).isEmpty();
    }

    @Test
    void the_same_key_for_a_different_request_is_422() {
        server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "first-use"), admin("key-2"));

        var reused = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "other-use"), admin("key-2"));

        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(reused.json().get("code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(tokensNamed("other-use")).isZero();
    }

    @Test
    void keys_are_scoped_to_the_principal() {
        var alice = headers(bearer(server.tokens().user("acme", "tenant-admin")), new String[] {"Idempotency-Key", "shared"});
        var bob = headers(bearer(server.tokens().user("acme", "tenant-admin", "auditor")),
                new String[] {"Idempotency-Key", "shared"});

        var a = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "scoped"), alice);
        var b = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "scoped"), bob);

        assertThat(a.statusCode()).isEqualTo(201);
        assertThat(b.statusCode()).isEqualTo(201);
        assertThat(b.header("Idempotent-Replayed")).isNull();
        assertThat(tokensNamed("scoped")).isEqualTo(2);
    }

    @Test
    void a_first_attempt_that_failed_with_503_releases_its_key_so_the_retry_runs() throws SQLException {
        revokeAuditInserts(true);
        try {
            var failed = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "after-outage"), admin("key-3"));
            assertThat(failed.statusCode()).isEqualTo(503);
        } finally {
            revokeAuditInserts(false);
        }
        var retry = server.api().postJson("/admin/v1/tokens", BODY.replace("nightly", "after-outage"), admin("key-3"));

        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isNull();
        assertThat(tokensNamed("after-outage")).isEqualTo(1);
    }

    @Test
    void a_duplicate_sent_while_the_first_is_still_running_waits_for_it_and_gets_its_response() throws Exception {
        createDataset("twice");
        CompletableFuture<ApiResponse> first;
        CompletableFuture<ApiResponse> second;
        try (var lock = lockDataset("twice")) {
            first = inBackground(() -> describe("twice", "key-twice"));
            lock.awaitWaiting(1, Duration.ofSeconds(30));
            second = inBackground(() -> describe("twice", "key-twice"));
            Await.until("the duplicate waits behind the first, or is answered", Duration.ofSeconds(30),
                    () -> lock.waiting().size() == 2 || second.isDone());
            assertThat(second).as("no answer for the duplicate while the first still runs").isNotDone();
        }

        var responses = List.of(first.get(30, TimeUnit.SECONDS), second.get(30, TimeUnit.SECONDS));
        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
        assertThat(responses.get(1).body()).isEqualTo(responses.get(0).body());
        assertThat(responses.get(0).json().get("revision").asLong()).as("applied once").isEqualTo(2);
        assertThat(responses).filteredOn(r -> "true".equals(r.header("Idempotent-Replayed"))).hasSize(1);
        assertThat(audit.eventsFor(responses.get(0).requestId()).size() + audit.eventsFor(responses.get(1).requestId()).size())
                .as("audited once").isEqualTo(1);
    }

    @Test
    void duplicates_of_a_points_write_running_side_by_side_write_once_and_answer_alike() throws Exception {
        createDataset("side-by-side");
        var body = """
                {"points": [{"measurement": "m", "fields": {"v": 1.5}, "time": 10}, {"measurement": "m", "fields": {"v": 2.5}, "time": 20}]}
                """;
        var writer = headers(bearer(server.tokens().user("acme", "writer")), new String[] {"Idempotency-Key", "key-points"});
        CompletableFuture<ApiResponse> first;
        CompletableFuture<ApiResponse> second;
        try (var lock = lockDataset("side-by-side")) {
            first = inBackground(() -> server.api().postJson("/storage/v1/datasets/side-by-side/points", body, writer));
            second = inBackground(() -> server.api().postJson("/storage/v1/datasets/side-by-side/points", body, writer));
            Await.until("both writes wait inside their transactions, or one is answered", Duration.ofSeconds(30),
                    () -> lock.waiting().size() == 2 || first.isDone() || second.isDone());
            assertThat(List.of(first, second)).as("no answer while both run").noneMatch(CompletableFuture::isDone);
        }

        var responses = List.of(first.get(30, TimeUnit.SECONDS), second.get(30, TimeUnit.SECONDS));
        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(204));
        assertThat(responses).filteredOn(r -> "true".equals(r.header("Idempotent-Replayed"))).hasSize(1);
        var events = new java.util.ArrayList<com.fasterxml.jackson.databind.JsonNode>();
        responses.forEach(r -> events.addAll(audit.eventsFor(r.requestId())));
        assertThat(events).as("written and audited once").singleElement()
                .satisfies(event -> assertThat(event.at("/details/points").asLong()).isEqualTo(2));
    }

    @Test
    void tenant_administration_on_the_platform_path_is_applied_once_and_replayed() {
        var operator = headers(bearer(server.tokens().platformOperator()), new String[] {"Idempotency-Key", "key-tenant"});
        var body = "{\"id\": \"initech\", \"name\": \"Initech\"}";

        var first = server.api().postJson("/admin/v1/tenants", body, operator);
        var retry = server.api().postJson("/admin/v1/tenants", body, operator);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.header("Location")).isEqualTo(first.header("Location"));
        assertThat(retry.header("ETag")).isEqualTo(first.header("ETag"));
        assertThat(audit.eventsFor(first.requestId())).hasSize(1);
        assertThat(audit.eventsFor(retry.requestId())).isEmpty();
    }

    @Test
    void a_refusal_is_kept_too_so_the_retry_gets_it_again_without_running() {
        var refused = describe("not-yet", "key-refused");
        createDataset("not-yet");

        var retry = describe("not-yet", "key-refused");

        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(retry.statusCode()).isEqualTo(404);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.contentType()).isEqualTo("application/problem+json");
        assertThat(retry.body()).isEqualTo(refused.body());
    }

    @Test
    void malformed_keys_are_400() {
        var malformed = server.api().postJson("/admin/v1/tokens", BODY, admin("has space"));

        assertThat(malformed.statusCode()).isEqualTo(400);
    }

    private static void createDataset(String id) {
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"" + id + "\"}",
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    /** PATCHes dataset {@code id} at revision 1 with {@code key}. */
    private static ApiResponse describe(String id, String key) {
        var request = server.api().request("/storage/v1/datasets/" + id, headers(admin(key),
                        new String[] {"If-Match", "\"1\"", "Content-Type", "application/merge-patch+json"}))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"description\": \"described once\"}")).build();
        return server.api().send(request);
    }

    private static RowLock lockDataset(String id) {
        return RowLock.hold(server.postgres(), server.database(),
                "SELECT 1 FROM datasets WHERE tenant_id = 'acme' AND id = ? FOR UPDATE", id);
    }

    private static void revokeAuditInserts(boolean revoke) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database()); var statement = superuser.createStatement()) {
            statement.execute((revoke ? "REVOKE" : "GRANT") + " INSERT ON audit_events " + (revoke ? "FROM" : "TO") + " timestore_app");
        }
    }

    /** Sends on a thread of its own: the common pool may have a single thread on a small machine. */
    private static CompletableFuture<ApiResponse> inBackground(java.util.function.Supplier<ApiResponse> request) {
        return CompletableFuture.supplyAsync(request, task -> Thread.ofVirtual().start(task));
    }
}
