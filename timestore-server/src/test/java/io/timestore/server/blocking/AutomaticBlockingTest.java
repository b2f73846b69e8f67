package io.timestore.server.blocking;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.config.BlockingSettings;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.threeten.extra.MutableClock;

/**
 * Automatic blocking over real HTTP (docs/security.md, "Automatic blocking"): repeated
 * authentication failures block the source address and the credential, a blocked request is
 * refused with 429 {@code blocked} and audited once, each block's start and end is one security
 * event, and operators list and lift blocks. The server trusts X-Forwarded-For from the loopback
 * proxy here only so that each test can fail from its own address.
 */
class AutomaticBlockingTest {
    private static final int THRESHOLD = 3;
    private static final Duration DURATION = Duration.ofMinutes(10);
    private static final MutableClock clock = MutableClock.of(Instant.now().truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC);

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withClock(clock)
            .with(settings -> settings
                    .withAuth(settings.auth().withBlocking(new BlockingSettings(true, THRESHOLD, Duration.ofMinutes(5), DURATION,
                            Duration.ofMillis(200))))
                    .withHttp(settings.http().withTrustedProxies(List.of("127.0.0.1", "::1"))));

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
    }

    @Test
    void wrong_secrets_for_an_existing_token_block_the_source_and_the_token_with_one_security_event_each() {
        var token = newToken();
        var source = "198.51.100.1";
        for (int i = 0; i < THRESHOLD; i++) {
            assertThat(read(wrongSecret(token), source).statusCode()).isEqualTo(401);
        }

        var fromTheSource = read(token, source);
        var elsewhere = read(token, "198.51.100.2");

        assertBlocked(fromTheSource);
        assertBlocked(elsewhere);
        assertThat(blockEvents("auth:block", "source", source)).hasSize(1);
        assertThat(blockEvents("auth:block", "api_token", tokenId(token))).hasSize(1);
        var start = blockEvents("auth:block", "api_token", tokenId(token)).getFirst();
        assertThat(start.get("severity").asText()).isEqualTo("security");
        assertThat(start.get("details").get("failures").asInt()).isEqualTo(THRESHOLD);
        // The refused request itself is audited once, as refused.
        var events = new AuditLog(server).eventsFor(elsewhere.requestId());
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().get("outcome").get("status").asInt()).isEqualTo(429);
        assertThat(events.getFirst().get("outcome").get("error").get("code").asText()).isEqualTo("blocked");
        // Refused after it authenticated: the event names who it was.
        assertThat(events.getFirst().get("actor").get("id").asText()).isEqualTo(tokenId(token));
    }

    @Test
    void a_blocked_source_is_refused_before_authentication_even_with_a_valid_credential() {
        var source = "198.51.100.3";
        for (int i = 0; i < THRESHOLD; i++) {
            assertThat(read("tsk_nosuchid0000000000_" + "x".repeat(43), source).statusCode()).isEqualTo(401);
        }
        var admin = server.api().get("/storage/v1/datasets", "Authorization", "Bearer " + server.tokens().user("acme", "tenant-admin"),
                "X-Forwarded-For", source);
        assertBlocked(admin);
        assertThat(server.api().get("/storage/v1/datasets", "Authorization", "Bearer " + server.tokens().user("acme", "tenant-admin"),
                "X-Forwarded-For", "198.51.100.4").statusCode()).isEqualTo(200);
    }

    @Test
    void failures_naming_a_token_id_that_does_not_exist_block_no_credential() {
        var token = newToken();
        var id = tokenId(token);
        var otherId = (id.charAt(0) == '0' ? '1' : '0') + id.substring(1);
        var guessed = "tsk_" + otherId + token.substring(4 + id.length());
        for (int i = 0; i < THRESHOLD + 1; i++) {
            read(guessed, "198.51.100." + (10 + i)); // a different source each time: no source block either
        }
        assertThat(read(token, "198.51.100.20").statusCode()).isEqualTo(200);
        assertThat(new AuditLog(server).eventsOf("_platform").stream()
                .filter(e -> e.get("operation").get("action").asText().equals("auth:block"))
                .filter(e -> !e.get("details").get("subject_kind").asText().equals("source"))
                .map(e -> e.get("details").get("subject").asText())).doesNotContain(id, otherId);
    }

    @Test
    void a_block_ends_when_its_time_runs_out_with_exactly_one_end_event() {
        var source = "198.51.100.30";
        for (int i = 0; i < THRESHOLD; i++) {
            read("tsk_nosuchid0000000001_" + "x".repeat(43), source);
        }
        var blockId = blockEvents("auth:block", "source", source).getFirst().get("details").get("block_id").asText();
        assertBlocked(read(newToken(), source));

        clock.add(DURATION.plusSeconds(1));

        assertThat(read(newToken(), source).statusCode()).isEqualTo(200);
        Await.until("the expired block's end event", Duration.ofSeconds(10),
                () -> !blockEvents("auth:unblock", "source", source).isEmpty());
        server.timestore().blocks().sweep();
        var ends = blockEvents("auth:unblock", "source", source);
        assertThat(ends).hasSize(1);
        assertThat(ends.getFirst().get("severity").asText()).isEqualTo("security");
        assertThat(ends.getFirst().get("details").get("block_id").asText()).isEqualTo(blockId);
        assertThat(ends.getFirst().get("details").get("end_reason").asText()).isEqualTo("expired");
    }

    @Test
    void an_operator_lists_and_lifts_a_block_which_ends_it_with_one_event_and_lets_the_source_in() {
        var source = "198.51.100.40";
        for (int i = 0; i < THRESHOLD; i++) {
            read("tsk_nosuchid0000000002_" + "x".repeat(43), source);
        }
        var listed = server.api().get("/admin/v1/blocks?limit=1000", operator());
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        var block = findBlock(listed.json(), source);
        assertThat(block.get("kind").asText()).isEqualTo("source");

        var lifted = server.api().method("DELETE", "/admin/v1/blocks/" + block.get("id").asText(), operator());

        assertThat(lifted.statusCode()).as(lifted.body()).isEqualTo(200);
        assertThat(lifted.json().get("end_reason").asText()).isEqualTo("lifted");
        assertThat(read(newToken(), source).statusCode()).isEqualTo(200);
        var ends = blockEvents("auth:unblock", "source", source);
        assertThat(ends).hasSize(1);
        assertThat(ends.getFirst().get("details").get("lifted_by").asText()).isEqualTo("operator");
        var request = new AuditLog(server).eventsFor(lifted.requestId());
        assertThat(request).hasSize(1);
        assertThat(request.getFirst().get("severity").asText()).isEqualTo("security");
        assertThat(server.api().method("DELETE", "/admin/v1/blocks/" + block.get("id").asText(), operator()).statusCode())
                .isEqualTo(404);
    }

    @Test
    void the_block_routes_refuse_bad_ids_and_callers_who_are_not_platform_operators() {
        var bad = server.api().method("DELETE", "/admin/v1/blocks/not-a-uuid", operator());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.header("Content-Type")).startsWith("application/problem+json");
        assertThat(bad.json().get("code").asText()).isEqualTo("invalid_request");
        var unknown = server.api().method("DELETE", "/admin/v1/blocks/" + UUID.randomUUID(), operator());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.json().get("code").asText()).isEqualTo("not_found");
        var tenantAdmin = bearer(server.tokens().user("acme", "tenant-admin"));
        assertThat(server.api().get("/admin/v1/blocks", tenantAdmin).statusCode()).isEqualTo(403);
    }

    @Test
    void blocks_and_refusals_are_counted_in_the_metrics() {
        var source = "198.51.100.50";
        for (int i = 0; i < THRESHOLD; i++) {
            read("tsk_nosuchid0000000003_" + "x".repeat(43), source);
        }
        assertBlocked(read(newToken(), source));
        var metrics = server.api().get("/metrics").body();
        assertThat(metrics).containsPattern("timestore_auth_blocks_started_total\\{[^}]*kind=\"source\"[^}]*} [1-9]");
        assertThat(metrics).containsPattern("timestore_auth_blocked_requests_total\\{[^}]*kind=\"source\"[^}]*} [1-9]");
        assertThat(metrics).contains("timestore_auth_blocks_active");
    }

    private static void assertBlocked(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.json().get("code").asText()).isEqualTo("blocked");
        assertThat(Long.parseLong(response.header("Retry-After"))).isPositive();
    }

    private static ApiResponse read(String apiToken, String source) {
        return server.api().get("/storage/v1/datasets", "Authorization", "Bearer " + apiToken, "X-Forwarded-For", source);
    }

    private static String[] operator() {
        return bearer(server.tokens().platformOperator());
    }

    private static String newToken() {
        var created = server.api().postJson("/admin/v1/tokens", """
                {"name": "t", "permissions": [{"action": "dataset:read"}], "expires_at": "%s"}
                """.formatted(clock.instant().plus(Duration.ofDays(30))), bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return created.json().get("token").asText();
    }

    /** {@code tsk_<id>_<secret>}: the id. */
    private static String tokenId(String token) {
        return token.substring(4, token.indexOf('_', 4));
    }

    /** The same token with another secret of the same shape. */
    private static String wrongSecret(String token) {
        var last = token.charAt(token.length() - 1);
        return token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
    }

    private static List<JsonNode> blockEvents(String action, String kind, String subject) {
        return new AuditLog(server).eventsOf("_platform").stream()
                .filter(e -> e.get("operation").get("action").asText().equals(action))
                .filter(e -> e.get("details").get("subject_kind").asText().equals(kind))
                .filter(e -> e.get("details").get("subject").asText().equals(subject))
                .toList();
    }

    private static JsonNode findBlock(JsonNode list, String subject) {
        for (var item : list.get("items")) {
            if (item.get("subject").asText().equals(subject)) {
                return item;
            }
        }
        throw new AssertionError("no block of " + subject + " in " + list);
    }
}
