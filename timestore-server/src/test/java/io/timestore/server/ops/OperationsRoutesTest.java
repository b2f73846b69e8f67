package io.timestore.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.Version;
import io.timestore.server.testing.TimestoreServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class OperationsRoutesTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    @Test
    void healthz_answers_ok_with_the_version_in_the_same_member_order_in_every_process() {
        var response = server.api().get("/healthz");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/json");
        assertThat(response.body()).isEqualTo("{\"status\":\"ok\",\"version\":\"%s\"}".formatted(Version.current()));
    }

    @Test
    void readyz_reports_the_database_up() {
        var response = server.api().get("/readyz");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.json().get("status").asText()).isEqualTo("ready");
        assertThat(response.json().at("/checks/database").asText()).isEqualTo("up");
    }

    @Test
    void metrics_are_prometheus_text_with_jvm_pool_and_http_series() {
        server.api().get("/healthz");

        var response = server.api().get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("text/plain; version=0.0.4");
        assertThat(response.body())
                .contains("# TYPE jvm_memory_used_bytes gauge")
                .contains("hikaricp_connections_active{")
                .contains("timestore_http_server_requests_in_flight")
                .containsPattern("timestore_http_server_requests_seconds_count\\{[^}]*method=\"GET\"[^}]*route=\"/healthz\"[^}]*status_class=\"2xx\"[^}]*} [1-9]")
                .containsPattern("timestore_http_server_requests_seconds_bucket\\{[^}]*route=\"/healthz\"[^}]*le=\"[^\"]+\"");
        assertThat(response.body().lines().filter(line -> !line.isEmpty() && !line.startsWith("#")))
                .allMatch(line -> line.matches("[a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*})? [-+0-9.eENaInf]+"),
                        "every sample line is 'name{labels} value'");
    }

    @Test
    void openapi_document_is_served_as_yaml() {
        var response = server.api().get("/openapi.yaml");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("application/yaml");
        assertThat(response.body()).startsWith("openapi: 3.1.0");
    }
}
