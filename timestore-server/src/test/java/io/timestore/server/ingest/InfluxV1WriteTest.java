package io.timestore.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.influxdb.InfluxDBFactory;
import org.influxdb.dto.Point;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * InfluxDB 1.x's {@code POST /write?db=} (and {@code orgID} on {@code /api/v2/write}) over real
 * HTTP: the rules of {@code /api/v2/write}, InfluxDB 1.x credentials and error shape.
 */
class InfluxV1WriteTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final AtomicInteger datasets = new AtomicInteger();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex");
        audit = new AuditLog(server);
    }


    static String newDataset(String tenant) {
        return server.dataset(tenant, "v1w-" + datasets.incrementAndGet());
    }

    static String apiToken(String tenant, String action, String dataset) {
        return server.api().postJson("/admin/v1/tokens", """
                {"name": "v1-client", "permissions": [{"action": "%s", "datasets": ["%s"]}]}
                """.formatted(action, dataset), server.as(tenant, "tenant-admin")).json().get("token").asText();
    }

    static ApiResponse post(String pathAndQuery, String body, String... headers) {
        return server.api().send(server.api().request(pathAndQuery, headers)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static JsonNode points(String tenant, String dataset, String measurement) {
        var response = server.api().get("/storage/v1/datasets/%s/query?epoch=ns&measurement=%s".formatted(dataset, measurement),
                server.as(tenant, "reader"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Test
    void write_with_db_takes_line_protocol_like_api_v2_write_with_one_audit_event() {
        var dataset = newDataset("acme");

        var response = post("/write?db=" + dataset + "&precision=s", "cpu,host=a usage=0.5,cores=4i 1700000000\n",
                server.as("acme", "writer"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);
        assertThat(points("acme", dataset, "cpu").toString())
                .contains("[1700000000000000000,0.5]", "[1700000000000000000,4]");
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/operation/dataset_id").asText()).isEqualTo(dataset);
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(204);
            assertThat(event.at("/details/points").asLong()).isEqualTo(2);
        });
    }

    @Test
    void v1_precisions_n_u_m_and_h_scale_timestamps() {
        var dataset = newDataset("acme");
        String[][] cases = {{"n", "1"}, {"u", "1000"}, {"m", "60000000000"}, {"h", "3600000000000"}, {"ms", "1000000"}};
        for (var precision : cases) {
            var response = post("/write?db=%s&precision=%s".formatted(dataset, precision[0]), "p" + precision[0] + " v=1 1",
                    server.as("acme", "writer"));
            assertThat(response.statusCode()).as(precision[0] + ": " + response.body()).isEqualTo(204);
            assertThat(points("acme", dataset, "p" + precision[0]).at("/series/0/points/0/0").asText()).isEqualTo(precision[1]);
        }
        assertThat(post("/write?db=%s&precision=d".formatted(dataset), "m v=1 1", server.as("acme", "writer")).statusCode()).isEqualTo(400);
    }

    @Test
    void the_token_is_accepted_as_u_and_p_as_basic_password_and_as_token_and_a_wrong_one_is_401_in_the_influxdb_shape() {
        var dataset = newDataset("acme");
        var token = apiToken("acme", "dataset:write", dataset);
        var basic = Base64.getEncoder().encodeToString(("anyone:" + token).getBytes(StandardCharsets.UTF_8));

        var byParameters = post("/write?db=%s&u=anyone&p=%s".formatted(dataset, enc(token)), "a v=1 1");
        var byBasic = post("/write?db=" + dataset, "b v=1 1", "Authorization", "Basic " + basic);
        var byToken = post("/write?db=" + dataset, "c v=1 1", "Authorization", "Token " + token);
        var wrong = post("/write?db=%s&u=anyone&p=%s".formatted(dataset, enc(token + "x")), "d v=1 1");
        var none = post("/write?db=" + dataset, "e v=1 1");

        assertThat(byParameters.statusCode()).as(byParameters.body()).isEqualTo(204);
        assertThat(byBasic.statusCode()).as(byBasic.body()).isEqualTo(204);
        assertThat(byToken.statusCode()).as(byToken.body()).isEqualTo(204);
        for (var refused : new ApiResponse[] {wrong, none}) {
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.json().get("error").asText()).isEqualTo(refused.json().get("detail").asText()).isNotBlank();
            assertThat(refused.header("X-Influxdb-Error")).isEqualTo(refused.json().get("error").asText());
            assertThat(audit.eventsFor(refused.requestId())).hasSize(1);
        }
        assertThat(audit.eventsFor(byParameters.requestId()).toString()).doesNotContain(token);
    }

    @Test
    void bad_requests_get_the_problem_with_the_influxdb_error_member_and_header() {
        var dataset = newDataset("acme");

        var noDb = post("/write", "m v=1 1", server.as("acme", "writer"));
        var otherRp = post("/write?db=%s&rp=weekly".formatted(dataset), "m v=1 1", server.as("acme", "writer"));
        var badLine = post("/write?db=" + dataset, "m v=", server.as("acme", "writer"));
        var missing = post("/write?db=nope", "m v=1 1", server.as("acme", "writer"));

        assertThat(noDb.statusCode()).isEqualTo(400);
        assertThat(noDb.json().get("error").asText()).contains("database is required");
        assertThat(otherRp.statusCode()).isEqualTo(404);
        assertThat(otherRp.header("X-Influxdb-Error")).contains("retention policy not found: weekly");
        assertThat(badLine.statusCode()).isEqualTo(400);
        assertThat(badLine.json().get("code").asText()).isEqualTo("invalid_request");
        assertThat(badLine.json().get("error").asText()).contains("line protocol");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(post("/write?db=%s&rp=autogen".formatted(dataset), "m v=1 1", server.as("acme", "writer")).statusCode()).isEqualTo(204);
    }

    @Test
    void another_tenants_dataset_is_not_found_and_nothing_is_written() {
        var acmeDataset = newDataset("acme");

        var response = post("/write?db=" + acmeDataset, "m v=1 1", server.as("globex", "writer"));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(points("acme", acmeDataset, "m").get("series")).isEmpty();
    }

    @Test
    void api_v2_write_accepts_the_tenant_as_org_id_and_refuses_another_one() {
        var dataset = newDataset("acme");

        var byId = post("/api/v2/write?orgID=acme&bucket=" + dataset, "m v=1 1", server.as("acme", "writer"));
        var foreign = post("/api/v2/write?orgID=globex&bucket=" + dataset, "m v=2 2", server.as("acme", "writer"));
        var contradicting = post("/api/v2/write?org=acme&orgID=globex&bucket=" + dataset, "m v=3 3", server.as("acme", "writer"));

        assertThat(byId.statusCode()).as(byId.body()).isEqualTo(204);
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(contradicting.statusCode()).isEqualTo(404);
        assertThat(points("acme", dataset, "m").at("/series/0/points").size()).isEqualTo(1);
    }

    @Test
    void api_v2_write_errors_carry_the_influxdb_error_header_and_message_member_even_when_unauthenticated() {
        var dataset = newDataset("acme");

        var anonymous = post("/api/v2/write?org=acme&bucket=" + dataset, "m v=1 1");
        var badLine = post("/api/v2/write?org=acme&bucket=" + dataset, "m v=", server.as("acme", "writer"));

        for (var refused : new ApiResponse[] {anonymous, badLine}) {
            var detail = refused.json().get("detail").asText();
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.header("X-Influxdb-Error")).isEqualTo(detail).isNotBlank();
            assertThat(refused.header("X-Influx-Error")).isEqualTo(detail);
            assertThat(refused.json().get("message").asText()).isEqualTo(detail);
        }
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(badLine.statusCode()).isEqualTo(400);
    }

    /**
     * The InfluxDB 1.x Java client, sending the token as the {@code u}/{@code p} query parameters
     * (as Grafana does). Its own {@code connect(url, user, password)} sends Basic instead, through
     * an okhttp class that clashes with the okhttp 5 already on this test classpath; Basic itself
     * is covered over raw HTTP above.
     */
    static org.influxdb.InfluxDB v1Client(String token) {
        var http = new okhttp3.OkHttpClient.Builder().addInterceptor(chain -> chain.proceed(chain.request().newBuilder()
                .url(chain.request().url().newBuilder().addQueryParameter("u", "grafana").addQueryParameter("p", token).build())
                .build()));
        return InfluxDBFactory.connect(server.api().base().toString(), http);
    }

    @Test
    void the_official_influxdb_1x_java_client_pings_and_writes_through_write() {
        var dataset = newDataset("acme");
        var token = apiToken("acme", "dataset:write", dataset);

        try (var client = v1Client(token)) {
            assertThat(client.ping().isGood()).isTrue();
            client.write(dataset, "autogen", Point.measurement("weather").tag("station", "s1")
                    .time(1_700_000_000_123L, TimeUnit.MILLISECONDS).addField("temp", 21.5).addField("count", 7L).build());
            assertThatThrownBy(() -> client.write(dataset, "autogen", org.influxdb.InfluxDB.ConsistencyLevel.ONE, "weather temp="))
                    .hasMessageContaining("line protocol");
        }

        assertThat(points("acme", dataset, "weather").toString())
                .contains("[1700000000123000000,21.5]", "[1700000000123000000,7]", "\"station\":\"s1\"");
    }
}
