package io.timestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `timestore serve` as an operator runs it: a process with a data dir, JSON logs, SIGTERM, restart. */
class ServerProcessTest {
    @TempDir
    Path dataDir;

    @Test
    void serve_logs_json_handles_sigterm_cleanly_and_restarts_on_the_same_data_dir() throws Exception {
        try (var first = ServerProcess.serve(dataDir)) {
            var api = new Api(first.awaitListening(Duration.ofSeconds(90)));
            var health = api.get("/healthz", "X-Request-ID", "process-test-1");
            assertThat(health.statusCode()).isEqualTo(200);

            int exit = first.terminate(Duration.ofSeconds(30));

            assertThat(exit).as("terminated by SIGTERM, not crashed").isIn(0, 143);
            var lines = first.jsonLines();
            assertThat(lines).allSatisfy(ServerProcessTest::isStructuredLogLine);
            var startup = lines.stream().filter(l -> l.get("msg").asText().contains("listening on")).findFirst().orElseThrow();
            assertThat(startup.get("version").asText()).isNotBlank();
            assertThat(startup.get("database").asText()).startsWith("jdbc:postgresql://localhost:");
            assertThat(startup.get("msg").asText()).contains("embedded PostgreSQL");
            var access = lines.stream().filter(l -> "process-test-1".equals(l.path("request_id").asText())).toList();
            assertThat(access).singleElement().satisfies(line -> {
                assertThat(line.get("logger").asText()).isEqualTo("io.timestore.access");
                assertThat(line.get("method").asText()).isEqualTo("GET");
                assertThat(line.get("route").asText()).isEqualTo("/healthz");
                assertThat(line.get("status").asInt()).isEqualTo(200);
                assertThat(line.get("duration_ms").isNumber()).isTrue();
                assertThat(line.get("trace_id").asText()).matches("[0-9a-f]{32}");
            });
            assertThat(lines).anySatisfy(l -> assertThat(l.get("msg").asText()).isEqualTo("shutdown complete"));
        }
        assertThat(dataDir.resolve("postgres/postmaster.pid")).as("embedded PostgreSQL was stopped").doesNotExist();

        try (var second = ServerProcess.serve(dataDir)) {
            var api = new Api(second.awaitListening(Duration.ofSeconds(90)));
            assertThat(api.get("/readyz").statusCode()).isEqualTo(200);
            assertThat(second.jsonLines()).noneSatisfy(l -> assertThat(l.get("msg").asText()).contains("applied"));
        }
    }

    @Test
    void log_format_text_writes_human_readable_lines_with_the_request_id() throws Exception {
        try (var server = ServerProcess.serve(dataDir, "--log-format", "text")) {
            var startup = server.awaitLineContaining("listening on http://127.0.0.1:", Duration.ofSeconds(90));
            var port = startup.replaceAll(".*listening on http://127\\.0\\.0\\.1:(\\d+).*", "$1");
            var api = new Api(java.net.URI.create("http://127.0.0.1:" + port));

            api.get("/healthz", "X-Request-ID", "text-format-1");

            var access = server.awaitLineContaining("[text-format-1]", Duration.ofSeconds(10));
            assertThat(access).matches("\\d{4}-\\d{2}-\\d{2}T\\S+Z INFO .*io\\.timestore\\.access.*GET /healthz 200 .*");
            assertThat(startup).doesNotStartWith("{");
        }
    }

    private static void isStructuredLogLine(JsonNode line) {
        assertThat(line.has("ts")).as("ts in %s", line).isTrue();
        assertThat(line.get("level").asText()).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
        assertThat(line.get("logger").asText()).isNotBlank();
        assertThat(line.has("msg")).isTrue();
    }
}
