package io.timestore.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.domain.HealthCheck;
import io.timestore.server.Version;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** InfluxDB's probes {@code /ping} and {@code /health}: unauthenticated, unaudited, as InfluxDB clients read them. */
class InfluxProbesTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    @Test
    void ping_answers_204_with_the_influxdb_version_headers_to_get_and_head_without_credentials() {
        for (var method : new String[] {"GET", "HEAD"}) {
            var response = server.api().send(server.api().request("/ping")
                    .method(method, HttpRequest.BodyPublishers.noBody()).build());

            assertThat(response.statusCode()).as(method).isEqualTo(204);
            assertThat(response.header("X-Influxdb-Version")).as(method).isEqualTo(Version.current());
            assertThat(response.header("X-Influxdb-Build")).as(method).isEqualTo("Timestore");
            assertThat(response.body()).isEmpty();
        }
    }

    @Test
    void health_answers_pass_in_the_influxdb_2_document() {
        var response = server.api().get("/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        var body = response.json();
        assertThat(body.get("name").asText()).isEqualTo("timestore");
        assertThat(body.get("status").asText()).isEqualTo("pass");
        assertThat(body.get("message").asText()).isEqualTo("ready for queries and writes");
        assertThat(body.get("version").asText()).isEqualTo(Version.current());
        assertThat(body.has("commit")).isTrue();
        assertThat(body.get("checks").findValuesAsText("name")).contains("database");
        assertThat(body.get("checks").findValuesAsText("status")).containsOnly("pass");
    }

    @Test
    void the_influxdb_2_java_client_pings_and_reads_health_with_no_token() {
        try (var client = InfluxDBClientFactory.create(server.api().base().toString())) {
            assertThat(client.ping()).isTrue();
            assertThat(client.version()).isEqualTo(Version.current());
            var health = client.health();
            assertThat(health.getStatus()).isEqualTo(HealthCheck.StatusEnum.PASS);
            assertThat(health.getName()).isEqualTo("timestore");
        }
    }

    @Test
    void ping_and_health_leave_no_audit_event() {
        var audit = new AuditLog(server);
        var ping = "probe-" + UUID.randomUUID();
        var health = "probe-" + UUID.randomUUID();

        server.api().get("/ping", "X-Request-ID", ping);
        server.api().get("/health", "X-Request-ID", health);
        // An audited request after them (an unmatched path): once its event is stored, theirs would be too.
        server.api().get("/nowhere", "X-Request-ID", "after-" + ping);
        Await.until("the later request's event is stored", Duration.ofSeconds(10), () -> audit.eventsFor("after-" + ping).size() == 1);

        assertThat(audit.eventsFor(ping)).isEmpty();
        assertThat(audit.eventsFor(health)).isEmpty();
    }
}
