package io.timestore.server;

import static io.timestore.server.testing.Api.headers;
import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.cluster.Leadership;
import io.timestore.security.signed.SignedRequestInput;
import io.timestore.security.signed.SignedRequestSigner;
import io.timestore.server.retention.AuditRetentionJob;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.RowLock;
import io.timestore.server.testing.ServerCluster;
import io.timestore.server.testing.SharedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Several instances over one database (issue #21, docs/scaling.md): three {@code timestore serve}
 * processes on their own ports over one PostgreSQL, started once for the class. Requests go to
 * whichever instance the test picks, as a load balancer would send them. The sealing leader is
 * killed last, so the tests before it see all three.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiInstanceTest {
    /** docs/scaling.md "Leaders": a killed sealing leader is replaced within this (measured: see the test's output). */
    static final Duration SEALING_TAKEOVER_BOUND = Duration.ofSeconds(30);
    /** docs/scaling.md "Caches": a tenant disabled on one instance is refused by every other within this. */
    static final Duration TENANT_STATUS_BOUND = Duration.ofSeconds(10);
    private static final DateTimeFormatter SIGNED_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    /** The name clients use for the deployment: one load balancer in front of every instance. */
    private static final String PUBLIC_HOST = "timestore.example:8080";

    private static SharedPostgres postgres;
    private static ServerCluster cluster;

    @RegisterExtension
    static final BeforeAllCallback start = context -> {
        postgres = SharedPostgres.in(context);
        // Statuses cached for the longest TTL allowed: a disable seen sooner came through LISTEN/NOTIFY.
        cluster = ServerCluster.start(postgres, "multi_instance", 3, """
                audit:
                  retention-interval: 1s
                auth:
                  tenant-status-cache-ttl: 5m
                """);
        for (var tenant : List.of("acme", "globex")) {
            var created = cluster.api(0).postJson("/admin/v1/tenants", "{\"id\": \"%s\", \"name\": \"%s\"}".formatted(tenant, tenant),
                    bearer(cluster.tokens().platformOperator()));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        }
    };

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void writes_reads_and_audit_reads_through_every_instance_share_one_trail_with_one_event_per_request() {
        var requestIds = new ArrayList<String>();
        var created = cluster.api(0).postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}",
                headers(as("acme", "tenant-admin"), new String[] {"X-Request-ID", "create-cpu"}));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        requestIds.add("create-cpu");

        for (int i = 0; i < cluster.size(); i++) {
            var written = cluster.api(i).postJson("/storage/v1/datasets/cpu/points", """
                    {"points": [{"measurement": "cpu", "tags": {"host": "h%d"}, "time": %d, "fields": {"usage": %d}}]}
                    """.formatted(i, 1_700_000_000_000_000_000L + i, i),
                    headers(as("acme", "writer"), new String[] {"X-Request-ID", "write-" + i}));
            assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
            requestIds.add("write-" + i);
        }
        for (int i = 0; i < cluster.size(); i++) {
            var read = cluster.api(i).get("/storage/v1/datasets/cpu/query?measurement=cpu&field=usage",
                    headers(as("acme", "reader"), new String[] {"X-Request-ID", "read-" + i}));
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            assertThat(read.json().get("series")).as("instance %d sees every instance's writes", i).hasSize(cluster.size());
            requestIds.add("read-" + i);
        }
        for (int i = 0; i < cluster.size(); i++) {
            var otherInstancesWrite = "write-" + ((i + 1) % cluster.size());
            var events = cluster.api(i).get("/api/audit/v1alpha1/events?request_id=" + otherInstancesWrite,
                    headers(as("acme", "auditor"), new String[] {"X-Request-ID", "audit-read-" + i}));
            assertThat(events.statusCode()).as(events.body()).isEqualTo(200);
            assertThat(events.json().get("items")).as("instance %d reads the event another instance recorded", i).hasSize(1);
            requestIds.add("audit-read-" + i);
        }

        for (var requestId : requestIds) {
            assertThat(count("SELECT count(*) FROM audit_events WHERE request_id = ?", requestId))
                    .as("events of request %s", requestId).isEqualTo(1);
        }
        awaitAllSealed();
        for (int i = 0; i < cluster.size(); i++) {
            var verified = cluster.api(i).get("/api/audit/v1alpha1/verify", as("acme", "auditor"));
            assertThat(verified.statusCode()).as(verified.body()).isEqualTo(200);
            assertThat(verified.json().get("ok").asBoolean()).as("verify on instance %d: %s", i, verified.body()).isTrue();
        }
        assertEverySealedOnceWithoutGaps();
    }

    @Test
    @Order(2)
    void one_idempotency_key_sent_at_once_to_two_instances_is_applied_once_audited_once_and_both_get_its_response()
            throws Exception {
        var created = cluster.api(0).postJson("/storage/v1/datasets", "{\"id\": \"idem\"}", as("acme", "tenant-admin"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var admin = as("acme", "tenant-admin");

        ApiResponse first;
        ApiResponse second;
        try (var lock = RowLock.hold(postgres, cluster.database(),
                "SELECT 1 FROM datasets WHERE tenant_id = 'acme' AND id = ? FOR UPDATE", "idem")) {
            var onFirst = inBackground(() -> describe(cluster.api(0), admin, "idem-first"));
            var onSecond = inBackground(() -> describe(cluster.api(1), admin, "idem-second"));
            lock.awaitWaiting(2, Duration.ofSeconds(60));
            lock.release();
            first = onFirst.get();
            second = onSecond.get();
        }

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(first.json()).isEqualTo(second.json());
        assertThat(List.of(String.valueOf(first.header("Idempotent-Replayed")), String.valueOf(second.header("Idempotent-Replayed"))))
                .as("exactly one answer is the replay").containsExactlyInAnyOrder("true", "null");
        assertThat(count("SELECT revision FROM datasets WHERE tenant_id = 'acme' AND id = 'idem'")).as("applied once").isEqualTo(2);
        assertThat(count("SELECT count(*) FROM audit_events WHERE request_id IN ('idem-first', 'idem-second')"))
                .as("one event for the one change").isEqualTo(1);
    }

    @Test
    @Order(3)
    void a_signed_request_replayed_on_another_instance_is_refused_as_a_replay() {
        var key = cluster.api(0).postJson("/admin/v1/signing-keys", "{\"name\": \"billing\", \"roles\": [\"tenant-admin\"]}",
                as("acme", "tenant-admin"));
        assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
        var request = signedGet("/storage/v1/datasets", key.json().get("id").asText(),
                Base64.getUrlDecoder().decode(key.json().get("secret").asText()));

        var original = raw(cluster.api(0).base(), request);
        var replayed = raw(cluster.api(1).base(), request);

        assertThat(original).as("the signed request itself is good").startsWith("HTTP/1.1 200");
        assertThat(replayed).startsWith("HTTP/1.1 401").containsPattern("\"code\"\\s*:\\s*\"replay\"");
    }

    @Test
    @Order(4)
    void a_dataset_deleted_and_created_again_through_another_instance_takes_a_known_series_next_point_into_its_new_series() {
        // Instance 0 writes the series first, so it knows the series' id (ingest.KnownSeries); the
        // dataset it belonged to is then deleted and created again through instance 1.
        assertThat(cluster.api(0).postJson("/storage/v1/datasets", "{\"id\": \"again\"}", as("acme", "tenant-admin")).statusCode())
                .isEqualTo(201);
        assertThat(writeUsage(0, 1_700_000_000_000_000_000L, 1).statusCode()).isEqualTo(204);
        assertThat(cluster.api(1).method("DELETE", "/storage/v1/datasets/again", as("acme", "tenant-admin")).statusCode())
                .isEqualTo(204);
        assertThat(cluster.api(1).postJson("/storage/v1/datasets", "{\"id\": \"again\"}", as("acme", "tenant-admin")).statusCode())
                .isEqualTo(201);

        var written = writeUsage(0, 1_700_000_000_000_000_001L, 2);

        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        var read = cluster.api(2).get("/storage/v1/datasets/again/query?measurement=cpu&field=usage&epoch=ns", as("acme", "reader"));
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.json().at("/series/0/points").toString()).as(read.body()).isEqualTo("[[1700000000000000001,2.0]]");
    }

    private static ApiResponse writeUsage(int instance, long time, int usage) {
        return cluster.api(instance).postJson("/storage/v1/datasets/again/points", """
                {"points": [{"measurement": "cpu", "tags": {"host": "a"}, "time": %d, "fields": {"usage": %d.0}}]}
                """.formatted(time, usage), as("acme", "writer"));
    }

    @Test
    @Order(5)
    void revoking_a_token_or_changing_an_access_block_binds_every_instance_at_once_and_disabling_a_tenant_within_the_bound() {
        var created = cluster.api(0).postJson("/storage/v1/datasets", "{\"id\": \"guarded\"}", as("globex", "tenant-admin"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var minted = cluster.api(0).postJson("/admin/v1/tokens", """
                {"name": "reader", "permissions": [{"action": "dataset:read", "datasets": ["guarded"]}], "expires_at": "%s"}
                """.formatted(Instant.now().plus(Duration.ofDays(1))), as("globex", "tenant-admin"));
        assertThat(minted.statusCode()).as(minted.body()).isEqualTo(201);
        var token = bearer(minted.json().get("token").asText());
        var series = "/storage/v1/datasets/guarded/series";

        // API token revoked on instance 0: the very next request on instance 1 is refused (tokens are never cached).
        assertThat(cluster.api(1).get(series, token).statusCode()).isEqualTo(200);
        assertThat(cluster.api(0).method("DELETE", "/admin/v1/tokens/" + minted.json().get("id").asText(),
                as("globex", "tenant-admin")).statusCode()).isEqualTo(204);
        assertThat(cluster.api(1).get(series, token).statusCode()).as("revoked on another instance").isEqualTo(401);

        // Access block changed on instance 0: the very next request on instance 2 is judged by it (the
        // authorizer's cache is keyed by the dataset revision read in the request's transaction).
        assertThat(cluster.api(2).get(series, as("globex", "reader")).statusCode()).isEqualTo(200);
        var patched = cluster.api(0).send(cluster.api(0).request("/storage/v1/datasets/guarded",
                        headers(as("globex", "tenant-admin"), new String[] {"If-Match", "\"1\"", "Content-Type", "application/merge-patch+json"}))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"access\": {\"read\": {\"roles\": [\"auditor\"]}}}")).build());
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        var denied = cluster.api(2).get(series, as("globex", "reader"));
        assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);

        // Tenant disabled on instance 0 while instances 1 and 2 have its status cached: refused everywhere within the bound.
        var admin = as("globex", "tenant-admin");
        for (int i = 1; i < cluster.size(); i++) {
            assertThat(cluster.api(i).get("/admin/v1/tokens", admin).statusCode()).isEqualTo(200);
        }
        var disabled = cluster.api(0).send(cluster.api(0).request("/admin/v1/tenants/globex",
                        headers(bearer(cluster.tokens().platformOperator()), new String[] {"Content-Type", "application/json", "If-Match", "\"1\""}))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"status\": \"disabled\"}")).build());
        assertThat(disabled.statusCode()).as(disabled.body()).isEqualTo(200);
        long started = System.nanoTime();
        awaitEvery("every instance refuses the disabled tenant", TENANT_STATUS_BOUND,
                i -> cluster.api(i).get("/admin/v1/tokens", admin).statusCode() == 403);
        System.out.printf("multi-instance: a tenant disabled on one instance was refused by all within %d ms%n",
                Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    @Test
    @Order(6)
    void the_sequencer_leads_on_exactly_one_instance_and_audit_retention_runs_only_where_its_lock_is_held() throws SQLException {
        Await.until("exactly one instance leads sealing", Duration.ofSeconds(30), () -> sequencerLeaders().size() == 1);

        // The purger lock taken by someone else (this test, standing in for another instance): every
        // instance's scheduled run skips; none purges.
        var other = new Leadership(runtimeDataSource(), AuditRetentionJob.LEADER_LOCK);
        Await.until("the test holds the purger lock", Duration.ofSeconds(30), () -> acquire(other));
        try {
            var skipped = retentionRuns("skipped");
            awaitEvery("every instance skipped a run after the lock was taken", Duration.ofSeconds(60),
                    i -> retentionRuns("skipped").get(i) > skipped.get(i));
            var ranWhileHeld = retentionRuns("ran");
            var skippedAgain = retentionRuns("skipped");
            awaitEvery("every instance skipped another run", Duration.ofSeconds(60),
                    i -> retentionRuns("skipped").get(i) > skippedAgain.get(i));
            assertThat(retentionRuns("ran")).as("no instance ran while another held the lock").isEqualTo(ranWhileHeld);
        } finally {
            other.release();
        }
        var ranBefore = retentionRuns("ran").stream().mapToDouble(Double::doubleValue).sum();
        Await.until("an instance runs retention once the lock is free", Duration.ofSeconds(60),
                () -> retentionRuns("ran").stream().mapToDouble(Double::doubleValue).sum() > ranBefore);
        assertThat(sequencerLeaders()).hasSize(1);
    }

    @Test
    @Order(7)
    void a_sealing_leader_killed_with_sigkill_is_replaced_within_the_bound_without_a_gap_or_a_double_seal() throws Exception {
        Await.until("exactly one instance leads sealing", Duration.ofSeconds(30), () -> sequencerLeaders().size() == 1);
        int leader = sequencerLeaders().getFirst();
        var survivors = cluster.alive().stream().filter(i -> i != leader).toList();
        writeThrough(survivors, "before-kill");
        awaitAllSealed();

        cluster.process(leader).kill();
        long killed = System.nanoTime();
        writeThrough(survivors, "after-kill");
        Await.until("a surviving instance leads sealing", SEALING_TAKEOVER_BOUND,
                () -> survivors.stream().anyMatch(i -> cluster.metric(i, "timestore_audit_sequencer_leader", "") == 1));
        System.out.printf("multi-instance: sealing taken over %d ms after SIGKILL of the leader%n",
                Duration.ofNanos(System.nanoTime() - killed).toMillis());

        writeThrough(survivors, "after-takeover");
        awaitAllSealed();
        assertThat(sequencerLeaders()).hasSize(1);
        assertEverySealedOnceWithoutGaps();
        var verified = cluster.api(survivors.getFirst()).get("/api/audit/v1alpha1/verify", as("acme", "auditor"));
        assertThat(verified.json().get("ok").asBoolean()).as(verified.body()).isTrue();
    }

    private static String[] as(String tenant, String role) {
        return bearer(cluster.tokens().user(tenant, role));
    }

    private static ApiResponse describe(Api api, String[] credentials, String requestId) {
        return api.send(api.request("/storage/v1/datasets/idem", headers(credentials, new String[] {"Idempotency-Key", "one-key",
                        "X-Request-ID", requestId, "If-Match", "\"1\"", "Content-Type", "application/merge-patch+json"}))
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"description\": \"described once\"}")).build());
    }

    private static void writeThrough(List<Integer> instances, String label) {
        for (int i : instances) {
            var written = cluster.api(i).postJson("/storage/v1/datasets/cpu/points", """
                    {"points": [{"measurement": "cpu", "tags": {"host": "%s"}, "time": 1700000000000000000, "fields": {"usage": 1}}]}
                    """.formatted(label + "-" + i), as("acme", "writer"));
            assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        }
    }

    /** The alive instances whose sequencer leads, by their metric. */
    private static List<Integer> sequencerLeaders() {
        return cluster.alive().stream().filter(i -> cluster.metric(i, "timestore_audit_sequencer_leader", "") == 1).toList();
    }

    /** Each instance's count of retention runs with {@code outcome}. */
    private static List<Double> retentionRuns(String outcome) {
        var runs = new ArrayList<Double>();
        for (int i = 0; i < cluster.size(); i++) {
            runs.add(cluster.metric(i, "timestore_audit_retention_runs_total", "outcome=\"" + outcome + "\""));
        }
        return runs;
    }

    private static void awaitEvery(String what, Duration timeout, java.util.function.IntPredicate condition) {
        Await.until(what, timeout, () -> cluster.alive().stream().allMatch(condition::test));
    }

    private static boolean acquire(Leadership leadership) {
        try {
            return leadership.tryAcquire();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitAllSealed() {
        BooleanSupplier sealed = () -> count("SELECT count(*) FROM audit_pending") == 0;
        Await.until("every stored event is sealed", Duration.ofSeconds(60), sealed);
    }

    /**
     * Once the queue is empty (the test's own last requests were audited too): every stored event
     * has exactly one seal, and every partition's seqs run from 1 without a gap.
     */
    private static void assertEverySealedOnceWithoutGaps() {
        awaitAllSealed();
        assertThat(count("SELECT count(*) FROM audit_events e WHERE NOT EXISTS "
                + "(SELECT 1 FROM audit_seals s WHERE s.tenant_id = e.tenant_id AND s.event_id = e.event_id)"))
                .as("events without a seal").isZero();
        assertThat(count("SELECT count(*) - count(DISTINCT (tenant_id, event_id)) FROM audit_seals")).as("events sealed twice").isZero();
        assertThat(count("SELECT count(*) FROM (SELECT tenant_id FROM audit_seals GROUP BY tenant_id "
                + "HAVING count(*) <> max(seq) - min(seq) + 1 OR min(seq) <> 1) gaps")).as("partitions with a gap").isZero();
    }

    private static long count(String sql, Object... parameters) {
        try (var connection = postgres.superuser(cluster.database()); var statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static PGSimpleDataSource runtimeDataSource() {
        var dataSource = new PGSimpleDataSource();
        dataSource.setUrl(postgres.jdbcUrl(cluster.database()));
        dataSource.setUser(SharedPostgres.RUNTIME);
        return dataSource;
    }

    /**
     * A signed GET as an HTTP/1.1 request's bytes, for the deployment's public host: the same bytes
     * may then go to any instance, as a load balancer (or an attacker replaying them) would send them.
     */
    private static String signedGet(String path, String keyId, byte[] secret) {
        var signed = new LinkedHashMap<String, List<String>>();
        signed.put("host", List.of(PUBLIC_HOST));
        signed.put("x-ts-date", List.of(ZonedDateTime.now(ZoneOffset.UTC).format(SIGNED_DATE)));
        signed.put("x-ts-nonce", List.of(HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8)).substring(0, 32)));
        var input = new SignedRequestInput("GET", path, "", signed, SignedRequestInput.sha256Hex(new byte[0]));
        var authorization = SignedRequestSigner.authorization(input, keyId, secret, List.of());
        return "GET " + path + " HTTP/1.1\r\nHost: " + PUBLIC_HOST + "\r\nX-TS-Date: " + signed.get("x-ts-date").getFirst()
                + "\r\nX-TS-Nonce: " + signed.get("x-ts-nonce").getFirst() + "\r\nAuthorization: " + authorization
                + "\r\nConnection: close\r\n\r\n";
    }

    /** Sends {@code request} as it is (java.net.http would not let the test set Host) and returns the whole response. */
    private static String raw(URI base, String request) {
        try (var socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends on a thread of its own: the common pool may have a single thread on a small machine. */
    private static <T> CompletableFuture<T> inBackground(Supplier<T> request) {
        return CompletableFuture.supplyAsync(request, task -> Thread.ofVirtual().start(task));
    }
}
