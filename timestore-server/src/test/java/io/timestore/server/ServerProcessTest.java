package io.timestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.security.TenantId;
import io.timestore.security.jwt.ClaimNames;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.RawConnection;
import io.timestore.server.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `timestore serve` as an operator runs it: a process with a data dir, JSON logs, SIGTERM and its
 * exit status (0 after a clean stop, as systemd expects; 1 when requests were cut off), restart.
 */
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

            assertThat(exit).as("a clean stop after SIGTERM exits 0, not 143").isZero();
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
    void sigterm_with_a_request_still_in_flight_at_the_shutdown_timeout_exits_1() throws Exception {
        var operator = "Bearer " + DevIssuer.load(new KeyFiles(dataDir), "timestore", ClaimNames.defaults(), InstantSource.system())
                .mint(new DevIssuer.Grant("ops", Optional.of(new TenantId("platform")), List.of("platform-operator"), List.of(),
                        Duration.ofMinutes(15)));
        var config = Files.writeString(dataDir.resolve("timestore.yaml"), "server:\n  shutdown-timeout: 1s\n");
        try (var server = ServerProcess.serve(dataDir, "--config", config.toString())) {
            var base = server.awaitListening(Duration.ofSeconds(90));
            try (var stuck = RawConnection.open(base)) {
                // The handler waits for a body that never arrives: a request in flight until cut off.
                stuck.send("POST /admin/v1/tenants HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + operator
                        + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":");
                var api = new Api(base);
                // The scrape counts itself: a second request in flight is the stuck one.
                Await.until("the stuck request is in flight", Duration.ofSeconds(30), () -> api.get("/metrics").body()
                        .lines().filter(l -> l.startsWith("timestore_http_server_requests_in_flight"))
                        .anyMatch(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) >= 2));

                int exit = server.terminate(Duration.ofSeconds(30));

                assertThat(exit).as("in-flight requests were cut off: not a clean stop").isEqualTo(1);
            }
            assertThat(server.jsonLines()).anySatisfy(l -> assertThat(l.get("msg").asText()).contains("cut off"));
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
            // What a new user needs next: where the console is (docs/console.md).
            server.awaitLineContaining("Timestore console: http://127.0.0.1:" + port + "/console/", Duration.ofSeconds(10));
        }
    }

    private static void isStructuredLogLine(JsonNode line) {
        assertThat(line.has("ts")).as("ts in %s", line).isTrue();
        assertThat(line.get("level").asText()).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
        assertThat(line.get("logger").asText()).isNotBlank();
        assertThat(line.has("msg")).isTrue();
    }
}
