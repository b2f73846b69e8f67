package io.timestore.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.TimestoreServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RequestContextTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    private static final String UUID_V7 = "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    @Test
    void a_safe_client_request_id_is_echoed() {
        var response = server.api().get("/healthz", "X-Request-ID", "client.req-42:a_b");

        assertThat(response.requestId()).isEqualTo("client.req-42:a_b");
    }

    @Test
    void an_unsafe_or_missing_request_id_is_replaced_by_a_uuid_v7() {
        assertThat(server.api().get("/healthz").requestId()).matches(UUID_V7);
        assertThat(server.api().get("/healthz", "X-Request-ID", "has space").requestId()).matches(UUID_V7);
        assertThat(server.api().get("/healthz", "X-Request-ID", "x".repeat(129)).requestId()).matches(UUID_V7);
        assertThat(server.api().get("/healthz", "X-Request-ID", "<script>").requestId()).matches(UUID_V7);
    }

    @Test
    void a_valid_traceparent_is_continued_with_a_new_span() {
        var incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

        var traceparent = server.api().get("/healthz", "traceparent", incoming).header("traceparent");

        assertThat(traceparent).startsWith("00-0af7651916cd43dd8448eb211c80319c-").endsWith("-01");
        assertThat(traceparent).doesNotContain("b7ad6b7169203331");
    }

    @Test
    void an_invalid_traceparent_starts_a_new_trace() {
        var invalid = "00-00000000000000000000000000000000-b7ad6b7169203331-01";

        var traceparent = server.api().get("/healthz", "traceparent", invalid).header("traceparent");

        assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01").doesNotContain("0".repeat(32));
    }

    @Test
    void an_unknown_path_is_a_404_problem_with_request_and_trace_ids() {
        var response = server.api().get("/no/such/route", "X-Request-ID", "r-404");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        var problem = response.json();
        assertThat(problem.get("code").asText()).isEqualTo("not_found");
        assertThat(problem.get("status").asInt()).isEqualTo(404);
        assertThat(problem.get("request_id").asText()).isEqualTo("r-404");
        assertThat(problem.get("trace_id").asText()).matches("[0-9a-f]{32}");
        assertThat(problem.get("type").asText()).startsWith("https://");
        assertThat(problem.get("title").asText()).isNotBlank();
    }

    @Test
    void a_wrong_method_is_a_405_problem() {
        var response = server.api().method("DELETE", "/healthz");

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.json().get("code").asText()).isEqualTo("method_not_allowed");
    }
}
