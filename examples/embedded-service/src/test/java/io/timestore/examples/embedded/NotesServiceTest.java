package io.timestore.examples.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.AuditJson;
import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.verify.AuditVerification;
import io.timestore.security.TenantId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example service over real HTTP against a real PostgreSQL: every request gets its answer or
 * the unified auth error, and leaves exactly one durable event that the sequencer seals and
 * {@link AuditVerification} verifies.
 */
class NotesServiceTest {
    private static final KeyPair CHECKPOINT_KEY = CheckpointKeys.generate(new SecureRandom());
    private static final Issuer IDP = new Issuer("idp-1");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TrailDatabase database;
    private static NotesService service;

    @BeforeAll
    static void start() throws IOException {
        database = TrailDatabase.start();
        var sealing = new Sequencer.Settings(Duration.ofHours(1), 10_000, 1, Duration.ofMinutes(1), Duration.ofMillis(100));
        service = NotesService.start(new NotesService.Settings(new InetSocketAddress("127.0.0.1", 0), IDP.settings(),
                Set.of(new TenantId("acme"), new TenantId("globex")), database.runtime(), CHECKPOINT_KEY,
                "notes.example.test", Duration.ofSeconds(10), sealing), Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws IOException {
        if (service != null) {
            service.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void an_authenticated_read_gets_its_answer_and_leaves_exactly_one_sealed_verifiable_event() throws Exception {
        var response = send("GET", "/v1/notes", null, Map.of("Authorization", bearer("alice", "acme", "reader")));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(body(response).path("items").isArray()).isTrue();
        var event = onlySealedEventOf(response);
        assertThat(event.path("tenant_id").asText()).isEqualTo("acme");
        assertThat(event.path("actor").path("id").asText()).isEqualTo("alice");
        assertThat(event.path("actor").path("auth_method").asText()).isEqualTo("jwt");
        assertThat(event.path("operation").path("action").asText()).isEqualTo("notes:read");
        assertThat(event.path("outcome").path("result").asText()).isEqualTo("succeeded");
        assertThat(event.path("event_id").asText()).isEqualTo(response.headers().firstValue("Audit-Event-Id").orElseThrow());
        assertTrailVerifies();
    }

    @Test
    void a_write_commits_its_note_and_its_event_in_one_transaction() throws Exception {
        var response = send("POST", "/v1/notes", "{\"body\":\"buy milk\"}",
                Map.of("Authorization", bearer("bob", "acme", "writer", "reader")));

        assertThat(response.statusCode()).isEqualTo(201);
        var note = body(response).path("id").asText();
        var event = onlySealedEventOf(response);
        assertThat(event.path("operation").path("action").asText()).isEqualTo("notes:write");
        assertThat(event.path("operation").path("resource_id").asText()).isEqualTo(note);
        assertThat(event.path("outcome").path("status").asInt()).isEqualTo(201);
        var listed = send("GET", "/v1/notes", null, Map.of("Authorization", bearer("bob", "acme", "reader")));
        assertThat(body(listed).path("items").findValuesAsText("id")).contains(note);
        assertTrailVerifies();
    }

    @Test
    void a_request_without_a_credential_is_rejected_with_the_unified_auth_error_and_audited() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var response = send("GET", "/v1/notes", null, Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"notes\"");
        var problem = body(response);
        assertThat(problem.path("code").asText()).isEqualTo("credentials_missing");
        assertThat(problem.path("trace_id").asText()).isEqualTo(traceId);
        assertThat(problem.path("request_id").asText()).isEqualTo(response.headers().firstValue("X-Request-ID").orElseThrow());
        var event = onlySealedEventOf(response);
        assertThat(event.path("tenant_id").asText()).isEqualTo("_platform");
        assertThat(event.path("actor").path("type").asText()).isEqualTo("anonymous");
        assertThat(event.path("outcome").path("result").asText()).isEqualTo("denied");
        assertThat(event.path("outcome").path("error").path("code").asText()).isEqualTo("credentials_missing");
        assertThat(event.path("trace_id").asText()).isEqualTo(traceId);
        assertTrailVerifies();
    }

    @Test
    void a_token_from_an_untrusted_key_is_rejected_and_audited() throws Exception {
        var stranger = new Issuer("idp-1");
        var response = send("GET", "/v1/notes", null,
                Map.of("Authorization", "Bearer " + stranger.token("mallory", "acme", List.of("reader"))));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(body(response).path("code").asText()).isEqualTo("signature_invalid");
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"notes\", error=\"invalid_token\"");
        var event = onlySealedEventOf(response);
        assertThat(event.path("tenant_id").asText()).isEqualTo("_platform");
        assertThat(event.path("outcome").path("error").path("code").asText()).isEqualTo("signature_invalid");
        assertTrailVerifies();
    }

    @Test
    void a_caller_without_the_role_is_refused_naming_the_missing_role_and_audited_in_its_tenant() throws Exception {
        var response = send("POST", "/v1/notes", "{\"body\":\"x\"}", Map.of("Authorization", bearer("carol", "acme", "reader")));

        assertThat(response.statusCode()).isEqualTo(403);
        var problem = body(response);
        assertThat(problem.path("code").asText()).isEqualTo("forbidden");
        assertThat(problem.path("missing_role").asText()).isEqualTo("writer");
        assertThat(problem.path("trace_id").asText()).matches("[0-9a-f]{32}");
        var event = onlySealedEventOf(response);
        assertThat(event.path("tenant_id").asText()).isEqualTo("acme");
        assertThat(event.path("outcome").path("result").asText()).isEqualTo("denied");
        assertThat(database.rows("SELECT 1 FROM notes WHERE tenant_id = 'acme' AND body = 'x'")).isEmpty();
        assertTrailVerifies();
    }

    @Test
    void a_failed_request_is_answered_with_a_problem_and_audited_as_failed() throws Exception {
        var response = send("POST", "/v1/notes", "{\"text\":\"wrong member\"}", Map.of("Authorization", bearer("bob", "acme", "writer")));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(body(response).path("code").asText()).isEqualTo("invalid_request");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        var event = onlySealedEventOf(response);
        assertThat(event.path("tenant_id").asText()).isEqualTo("acme");
        assertThat(event.path("outcome").path("result").asText()).isEqualTo("failed");
        assertThat(event.path("outcome").path("error").path("code").asText()).isEqualTo("invalid_request");
        assertTrailVerifies();
    }

    @Test
    void a_request_for_a_second_tenants_data_is_refused_and_audited() throws Exception {
        var written = send("POST", "/v1/notes", "{\"body\":\"acme only\"}", Map.of("Authorization", bearer("bob", "acme", "writer")));
        assertThat(written.statusCode()).isEqualTo(201);

        var response = send("GET", "/v1/notes", null,
                Map.of("Authorization", bearer("gina", "globex", "reader"), "X-Tenant-ID", "acme"));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(body(response).path("code").asText()).isEqualTo("tenant_mismatch");
        var event = onlySealedEventOf(response);
        assertThat(event.path("tenant_id").asText()).isEqualTo("_platform");
        assertThat(event.path("actor").path("id").asText()).isEqualTo("gina");
        assertThat(event.path("outcome").path("error").path("code").asText()).isEqualTo("tenant_mismatch");
        var own = send("GET", "/v1/notes", null, Map.of("Authorization", bearer("gina", "globex", "reader")));
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(body(own).path("items").findValuesAsText("body")).doesNotContain("acme only");
        assertTrailVerifies();
    }

    @Test
    void an_unknown_tenant_and_an_unmatched_route_are_refused_and_audited() throws Exception {
        var unknown = send("GET", "/v1/notes", null, Map.of("Authorization", bearer("ivan", "initech", "reader")));
        assertThat(unknown.statusCode()).isEqualTo(403);
        assertThat(body(unknown).path("code").asText()).isEqualTo("tenant_forbidden");
        assertThat(onlySealedEventOf(unknown).path("tenant_id").asText()).isEqualTo("_platform");

        var unmatched = send("GET", "/v1/nothing-here", null, Map.of());
        assertThat(unmatched.statusCode()).isEqualTo(404);
        assertThat(body(unmatched).path("code").asText()).isEqualTo("not_found");
        assertThat(onlySealedEventOf(unmatched).path("operation").path("action").asText()).isEqualTo("http:unmatched");
        assertTrailVerifies();
    }

    private static String bearer(String subject, String tenant, String... roles) {
        return "Bearer " + IDP.token(subject, tenant, List.of(roles));
    }

    /** Sends a request with a fresh {@code X-Request-ID}, by which its event is found. */
    private static HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("X-Request-ID", UUID.randomUUID().toString());
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode body(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /**
     * The one event stored for the response's request, after a sealing round: exactly one row in
     * {@code audit_events} and exactly one seal for it.
     */
    private static JsonNode onlySealedEventOf(HttpResponse<String> response) throws Exception {
        String requestId = response.headers().firstValue("X-Request-ID").orElseThrow();
        assertThat(service.sealNow().get(60, TimeUnit.SECONDS).leader()).isTrue();
        var rows = database.rows("""
                SELECT e.event::text, s.seq FROM audit_events e
                LEFT JOIN audit_seals s ON s.tenant_id = e.tenant_id AND s.event_id = e.event_id
                WHERE e.request_id = ?""", requestId);
        assertThat(rows).as("events of request %s", requestId).hasSize(1);
        assertThat(rows.getFirst().get(1)).as("seal of request %s's event", requestId).isNotNull();
        return JSON.readTree(rows.getFirst().getFirst());
    }

    private static void assertTrailVerifies() {
        var report = new AuditVerification(database.runtime(), new AuditJson(), List.of(CHECKPOINT_KEY.getPublic()),
                AuditVerification.KeyTrust.CONFIGURED_ONLY).verifyAll();
        assertThat(report.partitions()).isNotEmpty();
        assertThat(report.ok()).as("verification: %s", report.partitions()).isTrue();
    }
}
