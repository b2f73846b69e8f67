package io.timestore.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.TenantId;
import io.timestore.security.jwt.ClaimNames;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.CliProcess;
import io.timestore.server.testing.Postmaster;
import io.timestore.server.testing.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process owns the embedded PostgreSQL of a data directory (docs/configuration.md): a second
 * server is refused, commands use the owner's database and never stop it, a left-over database is
 * stopped only once its owner is dead, and the owning server restarts a database that died.
 * Real server processes, real signals.
 */
class EmbeddedDatabaseOwnershipTest {
    private static final Duration START = Duration.ofSeconds(90);

    @TempDir
    Path dataDir;

    @TempDir
    Path workingDirectory;

    @Test
    void a_second_server_on_a_data_dir_in_use_exits_2_naming_the_owner_and_the_first_keeps_its_database() throws Exception {
        try (var first = ServerProcess.serve(dataDir)) {
            var api = new Api(first.awaitListening(START));
            var postmaster = Postmaster.of(dataDir);

            try (var second = ServerProcess.serve(dataDir)) {
                int exit = second.awaitExit(START);

                assertThat(exit).as("exit code of the second server (stderr: %s)", second.stderr()).isEqualTo(2);
                assertThat(String.join("\n", second.stderr()))
                        .contains("data-dir")
                        .contains("in use by Timestore process " + first.pid());
            }

            assertThat(postmaster.isAlive()).as("the first server's PostgreSQL still runs").isTrue();
            assertThat(api.get("/readyz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void the_server_restarts_its_database_after_the_postmaster_is_killed_and_serves_again() throws Exception {
        try (var server = ServerProcess.serve(dataDir)) {
            var api = new Api(server.awaitListening(START));
            var killed = Postmaster.of(dataDir);

            killed.destroyForcibly();
            killed.onExit().get(30, TimeUnit.SECONDS);

            Await.until("a new postmaster runs and /readyz is 200 again", Duration.ofSeconds(120), () ->
                    Postmaster.find(dataDir).filter(p -> p.pid() != killed.pid()).isPresent()
                            && api.get("/readyz").statusCode() == 200);
            var created = api.postJson("/admin/v1/tenants", "{\"id\": \"acme\", \"name\": \"Acme\"}",
                    "Authorization", "Bearer " + operatorToken());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(server.isAlive()).as("recovered without a server restart").isTrue();
            assertThat(server.jsonLines()).anySatisfy(line -> assertThat(line.path("msg").asText())
                    .contains("embedded PostgreSQL (pid " + killed.pid() + ") exited unexpectedly"));
        }
    }

    @Test
    void a_left_over_database_is_taken_over_by_the_next_server_and_commands_beside_it_never_stop_it() throws Exception {
        try (var crashed = ServerProcess.serve(dataDir)) {
            crashed.awaitListening(START);
            crashed.kill();
        }
        var leftOver = Postmaster.of(dataDir);

        try (var next = ServerProcess.serve(dataDir)) {
            var api = new Api(next.awaitListening(START));
            assertThat(leftOver.isAlive()).as("the dead owner's PostgreSQL was stopped").isFalse();
            var postmaster = Postmaster.of(dataDir);
            var operator = "Bearer " + operatorToken();
            assertThat(api.postJson("/admin/v1/tenants", "{\"id\": \"acme\", \"name\": \"Acme\"}", "Authorization", operator)
                    .statusCode()).isEqualTo(201);

            for (var command : List.of(List.of("audit", "verify"), List.of("migrate"), List.of("audit", "export", "--tenant", "_platform"))) {
                var result = command(command);
                assertThat(result.exitCode()).as("%s: %s", command, result.err()).isZero();
            }

            assertThat(Postmaster.of(dataDir).pid()).as("the server's PostgreSQL was never stopped").isEqualTo(postmaster.pid());
            assertThat(api.get("/readyz").statusCode()).isEqualTo(200);
            assertThat(api.postJson("/admin/v1/tenants", "{\"id\": \"bravo\", \"name\": \"Bravo\"}", "Authorization", operator)
                    .statusCode()).as("new connections to the server's database").isEqualTo(201);
            next.terminate(Duration.ofSeconds(60));
        }

        var alone = command(List.of("audit", "verify"));
        assertThat(alone.exitCode()).as(alone.err()).isZero();
        assertThat(Postmaster.find(dataDir)).as("a command that started the database itself stops it").isEmpty();
    }

    private CliProcess.Result command(List<String> command) {
        var args = new java.util.ArrayList<>(command);
        args.addAll(List.of("--data-dir", dataDir.toString()));
        return CliProcess.run(workingDirectory, START, args.toArray(String[]::new));
    }

    private String operatorToken() {
        return DevIssuer.load(new KeyFiles(dataDir), "timestore", ClaimNames.defaults(), InstantSource.system())
                .mint(new DevIssuer.Grant("ops", Optional.of(new TenantId("platform")), List.of("platform-operator"),
                        List.of(), Duration.ofMinutes(5)));
    }
}
