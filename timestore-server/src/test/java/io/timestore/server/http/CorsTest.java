package io.timestore.server.http;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.config.CorsSettings;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.CapturedLogs;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CORS over real HTTP, with the requests a browser sends: preflights answered without
 * credentials and without an audit event, exact origins only, and off by default.
 */
class CorsTest {
    private static final String GRAFANA = "https://grafana.example.com";

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withHttp(s.http().withCors(new CorsSettings(List.of(GRAFANA)))));
    @RegisterExtension
    static final TimestoreServer plain = TimestoreServer.create();

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}", bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).isEqualTo(201);
    }

    static ApiResponse preflight(TimestoreServer target, String path, String origin, String method, String headers, String requestId) {
        var request = target.api().request(path, "Origin", origin, "Access-Control-Request-Method", method, "X-Request-ID", requestId);
        if (headers != null) {
            request.header("Access-Control-Request-Headers", headers);
        }
        return target.api().send(request.method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
    }

    /** Waits for an audited request sent after {@code earlier}; once its event is stored, theirs would be too. */
    static void awaitLaterEvent(TimestoreServer target) {
        var later = "later-" + UUID.randomUUID();
        target.api().get("/nowhere", "X-Request-ID", later);
        var audit = new AuditLog(target);
        Await.until("the later request's event is stored", Duration.ofSeconds(10), () -> audit.eventsFor(later).size() == 1);
    }

    @Test
    void a_preflight_from_an_allowed_origin_is_answered_without_credentials_naming_the_origin_and_leaves_no_event() {
        var id = "preflight-" + UUID.randomUUID();

        var response = preflight(server, "/query?db=cpu&q=SHOW%20MEASUREMENTS", GRAFANA, "GET", "Authorization, X-Tenant-ID", id);

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo(GRAFANA);
        assertThat(response.header("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(response.header("Access-Control-Allow-Methods")).contains("GET", "POST", "DELETE");
        assertThat(response.header("Access-Control-Allow-Headers")).isEqualTo("authorization, x-tenant-id");
        assertThat(response.header("Access-Control-Max-Age")).isEqualTo("600");
        assertThat(response.header("Vary")).contains("Origin");
        assertThat(response.body()).isEmpty();
        awaitLaterEvent(server);
        assertThat(new AuditLog(server).eventsFor(id)).isEmpty();
    }

    @Test
    void a_preflight_from_another_origin_or_asking_for_other_headers_gets_no_permission() {
        var id = "preflight-" + UUID.randomUUID();

        var otherOrigin = preflight(server, "/query", "https://evil.example.com", "GET", "Authorization", id);
        var lookalike = preflight(server, "/query", GRAFANA + ".evil.test", "GET", null, "x-" + id);
        var otherHeader = preflight(server, "/query", GRAFANA, "GET", "Authorization, X-Secret", "y-" + id);
        var otherMethod = preflight(server, "/query", GRAFANA, "PUT", null, "z-" + id);

        for (var refused : List.of(otherOrigin, lookalike)) {
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.header("Access-Control-Allow-Origin")).isNull();
            assertThat(refused.body()).doesNotContain("cpu");
        }
        for (var refused : List.of(otherHeader, otherMethod)) {
            assertThat(refused.statusCode()).isEqualTo(204);
            assertThat(refused.header("Access-Control-Allow-Methods")).isNull();
            assertThat(refused.header("Access-Control-Allow-Headers")).isNull();
        }
        awaitLaterEvent(server);
        assertThat(new AuditLog(server).eventsFor(id)).isEmpty();
    }

    @Test
    void preflights_finish_like_any_request_each_has_its_access_log_line_and_the_in_flight_gauge_comes_back_down() {
        var allowed = "preflight-" + UUID.randomUUID();
        var refused = "preflight-" + UUID.randomUUID();
        double before = inFlight(server);

        try (var logs = CapturedLogs.capture()) {
            assertThat(preflight(server, "/query", GRAFANA, "GET", "Authorization", allowed).statusCode()).isEqualTo(204);
            assertThat(preflight(server, "/query", "https://evil.example.com", "GET", null, refused).statusCode()).isEqualTo(403);

            for (var id : List.of(allowed, refused)) {
                assertThat(logs.lines()).as("the access log line of " + id)
                        .filteredOn(line -> line.contains(" io.timestore.access OPTIONS /query ") && line.contains("request_id=" + id))
                        .hasSize(1);
            }
        }
        // Each scrape counts itself: the same value before and after means the preflights ended.
        assertThat(inFlight(server)).isEqualTo(before);
    }

    /** {@code timestore_http_server_requests_in_flight} as scraped from {@code /metrics}. */
    private static double inFlight(TimestoreServer target) {
        var sample = "timestore_http_server_requests_in_flight{application=\"timestore\"} ";
        return target.api().get("/metrics").body().lines().filter(line -> line.startsWith(sample))
                .mapToDouble(line -> Double.parseDouble(line.substring(sample.length()))).findFirst().orElseThrow();
    }

    @Test
    void the_actual_request_from_an_allowed_origin_is_authenticated_and_audited_as_ever_and_may_read_the_answer() {
        var reader = bearer(server.tokens().user("acme", "reader"));

        var ok = server.api().get("/query?db=cpu&q=SHOW%20MEASUREMENTS", headers(reader, "Origin", GRAFANA));
        var anonymous = server.api().get("/query?db=cpu&q=SHOW%20MEASUREMENTS", "Origin", GRAFANA);
        var otherOrigin = server.api().get("/query?db=cpu&q=SHOW%20MEASUREMENTS", headers(reader, "Origin", "https://evil.example.com"));

        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.header("Access-Control-Allow-Origin")).isEqualTo(GRAFANA);
        assertThat(ok.header("Access-Control-Expose-Headers")).contains("X-Request-ID", "X-Influxdb-Error");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.header("Access-Control-Allow-Origin")).isEqualTo(GRAFANA);
        assertThat(otherOrigin.statusCode()).isEqualTo(200);
        assertThat(otherOrigin.header("Access-Control-Allow-Origin")).isNull();
        var audit = new AuditLog(server);
        assertThat(audit.eventsFor(ok.requestId())).hasSize(1);
        assertThat(audit.eventsFor(anonymous.requestId())).hasSize(1);
    }

    @Test
    void cors_is_off_by_default_an_options_request_is_an_audited_unmatched_route_without_cors_headers() {
        var id = "preflight-" + UUID.randomUUID();

        var response = preflight(plain, "/query", GRAFANA, "GET", "Authorization", id);
        var get = plain.api().get("/ping", "Origin", GRAFANA);

        assertThat(response.statusCode()).isIn(404, 405);
        assertThat(response.header("Access-Control-Allow-Origin")).isNull();
        assertThat(get.header("Access-Control-Allow-Origin")).isNull();
        assertThat(new AuditLog(plain).eventsFor(id)).hasSize(1);
    }

    private static String[] headers(String[] credentials, String... more) {
        var all = new String[credentials.length + more.length];
        System.arraycopy(credentials, 0, all, 0, credentials.length);
        System.arraycopy(more, 0, all, credentials.length, more.length);
        return all;
    }
}
