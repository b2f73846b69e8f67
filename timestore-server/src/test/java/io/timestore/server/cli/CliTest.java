package io.timestore.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.CliProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration errors stop startup with exit code 2 and one line naming the setting. */
class CliTest {
    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {}

    private Run run(Map<String, String> env, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void version_prints_the_version() {
        var result = run(Map.of(), "version");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).matches("timestore \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R");
    }

    @Test
    void a_bad_port_flag_exits_2_naming_server_port() {
        var result = run(Map.of(), "serve", "--port", "70000", "--data-dir", dir.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err().strip()).isEqualTo(
                "timestore: invalid configuration: server.port: '70000' (from command line) must be between 0 and 65535");
    }

    @Test
    void a_bad_port_from_the_environment_exits_2() {
        var result = run(Map.of("TIMESTORE_PORT", "-1"), "serve", "--data-dir", dir.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("server.port").contains("TIMESTORE_PORT");
    }

    @Test
    void an_unknown_key_in_the_config_file_exits_2() throws IOException {
        var config = dir.resolve("bad.yaml");
        Files.writeString(config, "server:\n  port: 8080\n  colour: blue\n");

        var result = run(Map.of(), "serve", "--config", config.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("server.colour").contains("unknown setting");
    }

    @Test
    void an_unreachable_database_exits_2_naming_database_url_with_credentials_masked() throws IOException {
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        var result = run(Map.of("TIMESTORE_DB_PASSWORD", "never-printed",
                        "TIMESTORE_MASTER_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), "serve", "--port", "0",
                "--data-dir", dir.toString(),
                "--db-url", "jdbc:postgresql://127.0.0.1:" + closedPort + "/timestore?password=also-secret&connectTimeout=2");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("database.url").contains("cannot connect")
                .doesNotContain("never-printed").doesNotContain("also-secret");
        assertThat(result.err().strip().lines()).hasSize(1);
    }

    @Test
    void a_data_dir_that_cannot_be_created_exits_2_naming_data_dir() throws IOException {
        var file = Files.writeString(dir.resolve("plain-file"), "not a directory");

        var result = run(Map.of(), "serve", "--port", "0", "--data-dir", file.resolve("data").toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("data-dir").contains("not a writable directory");
    }

    @Test
    void an_unknown_option_is_a_usage_error_with_exit_2() {
        var result = run(Map.of(), "serve", "--colour", "blue");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--colour");
    }

    @Test
    void commands_that_read_existing_data_refuse_a_data_dir_without_a_database_and_create_nothing() throws IOException {
        var empty = Files.createDirectories(dir.resolve("empty"));
        var missing = dir.resolve("missing");

        for (var command : List.of(List.of("audit", "verify"), List.of("audit", "export", "--tenant", "acme"),
                List.of("audit", "purge", "--dry-run"), List.of("migrate"))) {
            for (var dataDir : List.of(empty, missing)) {
                var args = new ArrayList<>(command);
                args.addAll(List.of("--data-dir", dataDir.toString()));

                var result = run(Map.of(), args.toArray(String[]::new));

                assertThat(result.exitCode()).as("%s: %s", args, result.err()).isEqualTo(2);
                assertThat(result.out()).isEmpty();
                assertThat(result.err()).contains("data-dir").contains("no Timestore database in " + dataDir.toAbsolutePath());
            }
        }
        assertThat(missing).doesNotExist();
        assertThat(empty).isEmptyDirectory();
    }

    @Test
    void token_refuses_a_data_dir_without_the_development_issuer_key_and_creates_none() {
        var result = run(Map.of(), "token", "--data-dir", dir.toString(), "--sub", "alice", "--tenant", "acme");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).contains("--data-dir").contains("no development issuer key");
        assertThat(dir.resolve("keys")).doesNotExist();
    }

    @Test
    void token_without_data_dir_where_no_server_keeps_its_data_fails_naming_data_dir_and_creates_nothing() {
        var result = CliProcess.run(dir, Duration.ofSeconds(60), "token", "--sub", "alice", "--tenant", "acme");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).contains("--data-dir").contains(dir.resolve("data").toString());
        assertThat(dir.resolve("data")).doesNotExist();
    }
}
