package io.timestore.server.cli;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.timestore.server.config.DeliverySettings;
import io.timestore.server.config.SinkSettings;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.Directories;
import io.timestore.server.testing.TimestoreServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** `timestore audit sinks` and `audit sinks resume` against the database of a running server that delivers. */
class AuditSinksCommandTest {
    private static final Path files = Directories.temporary("sinks-command");

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().with(s -> s.withAudit(s.audit().withDelivery(
            new DeliverySettings(100, Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(500), Optional.empty(),
                    List.of(new SinkSettings("audit.delivery.sinks[0]", "siem", "file", Map.of("path", TextNode.valueOf(files.toString()))))))));

    @AfterAll
    static void cleanUp() {
        Directories.delete(files);
    }

    private record Run(int exitCode, String out, String err) {
        JsonNode json() throws IOException {
            return new ObjectMapper().readTree(out);
        }
    }

    private static Run run(String... args) throws IOException {
        var config = Files.writeString(files.resolveSibling(files.getFileName() + ".yaml"),
                "audit:\n  delivery:\n    sinks:\n      - {name: siem, type: file, path: '" + files + "'}\n");
        var env = Map.of(
                "TIMESTORE_CONFIG", config.toString(),
                "TIMESTORE_DB_URL", server.postgres().jdbcUrl(server.database()),
                "TIMESTORE_DATA_DIR", server.dataDir().toString());
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        Files.delete(config);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void eventsAndSeal(int requests) throws Exception {
        for (int i = 0; i < requests; i++) {
            server.api().get("/admin/v1/tokens", bearer(server.tokens().user("acme", "tenant-admin")));
        }
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    private static JsonNode acme(JsonNode report) {
        for (var partition : report.at("/sinks/0/partitions")) {
            if (partition.get("tenant_id").asText().equals("acme")) {
                return partition;
            }
        }
        throw new AssertionError("no acme cursor in " + report);
    }

    @Test
    void sinks_lists_each_sink_with_its_cursors_and_lag_and_resume_lets_a_parked_sink_go_on() throws Exception {
        server.tenant("acme");
        eventsAndSeal(5);
        var store = server.timestore().delivery().store();
        Await.until("siem delivered acme's events", Duration.ofSeconds(60), () -> store.cursors(Optional.of("siem")).stream()
                .anyMatch(c -> c.partition().equals("acme") && c.deliveredSeq() == 5));

        var listed = run("audit", "sinks");

        assertThat(listed.exitCode()).as(listed.err()).isZero();
        var report = listed.json();
        assertThat(report.at("/sinks/0/name").asText()).isEqualTo("siem");
        assertThat(report.at("/sinks/0/type").asText()).isEqualTo("file");
        assertThat(report.at("/sinks/0/configured").asBoolean()).isTrue();
        assertThat(acme(report).get("delivered_seq").asLong()).isEqualTo(5);
        assertThat(acme(report).get("lag_events").asLong()).isZero();

        store.park("siem", "acme", "receiver said 400");
        eventsAndSeal(3);
        Await.until("the parked cursor's head moved on", Duration.ofSeconds(60), () -> {
            try {
                return acme(run("audit", "sinks").json()).get("head_seq").asLong() == 8;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        var parked = run("audit", "sinks").json();
        assertThat(parked.at("/sinks/0/parked").asInt()).isEqualTo(1);
        assertThat(acme(parked).get("lag_events").asLong()).isEqualTo(3);
        assertThat(acme(parked).get("parked_reason").asText()).isEqualTo("receiver said 400");

        var resumed = run("audit", "sinks", "resume", "--sink", "siem", "--tenant", "acme");

        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.json().get("resumed").asInt()).isEqualTo(1);
        Await.until("the resumed sink caught up", Duration.ofSeconds(60), () -> store.cursors(Optional.of("siem")).stream()
                .anyMatch(c -> c.partition().equals("acme") && c.deliveredSeq() == 8 && !c.parked()));
    }

    @Test
    void resume_of_a_sink_without_cursors_exits_2_naming_it() throws Exception {
        var result = run("audit", "sinks", "resume", "--sink", "no-such-sink");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err().strip()).isEqualTo(
                "timestore: invalid configuration: --sink: no audit sink 'no-such-sink' has cursors (see timestore audit sinks)");
    }
}
