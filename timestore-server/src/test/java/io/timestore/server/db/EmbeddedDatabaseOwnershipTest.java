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

    /**
     * Also: the write path's known series (ingest.KnownSeries) are not trusted on the restarted
     * database. A database server that comes back, or another in its place (a promoted standby),
     * may lack a series the one before had committed; here its row is removed behind the server's
     * back after the restart, and the next write of that series must store it again, readable.
     */
    @Test
    void the_server_restarts_its_database_after_the_postmaster_is_killed_and_serves_again() throws Exception {
        try (var server = ServerProcess.serve(dataDir)) {
            var api = new Api(server.awaitListening(START));
            var operator = "Bearer " + token(Optional.of(new TenantId("platform")), "platform-operator");
            assertThat(api.postJson("/admin/v1/tenants", "{\"id\": \"acme\", \"name\": \"Acme\"}", "Authorization", operator)
                    .statusCode()).isEqualTo(201);
            assertThat(api.postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}",
                    "Authorization", "Bearer " + token(Optional.of(new TenantId("acme")), "tenant-admin")).statusCode())
                    .isEqualTo(201);
            var writer = "Bearer " + token(Optional.of(new TenantId("acme")), "writer");
            assertThat(writeUsage(api, writer, 1_700_000_000_000_000_000L).statusCode()).isEqualTo(204);
            var killed = Postmaster.of(dataDir);

            killed.destroyForcibly();
            killed.onExit().get(30, TimeUnit.SECONDS);

            Await.until("a new postmaster runs and /readyz is 200 again", Duration.ofSeconds(120), () ->
                    Postmaster.find(dataDir).filter(p -> p.pid() != killed.pid()).isPresent()
                            && api.get("/readyz").statusCode() == 200);
            var created = api.postJson("/admin/v1/tenants", "{\"id\": \"bravo\", \"name\": \"Bravo\"}", "Authorization", operator);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            removeEverySeries();
            assertThat(writeUsage(api, writer, 1_700_000_000_000_000_001L).statusCode()).isEqualTo(204);
            var read = api.get("/storage/v1/datasets/cpu/query?measurement=cpu&epoch=ns",
                    "Authorization", "Bearer " + token(Optional.of(new TenantId("acme")), "reader"));
            assertThat(read.json().at("/series/0/points").toString()).as(read.body()).isEqualTo("[[1700000000000000001,1.5]]");
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
        return token(Optional.of(new TenantId("platform")), "platform-operator");
    }

    private String token(Optional<TenantId> tenant, String role) {
        return DevIssuer.load(new KeyFiles(dataDir), "timestore", ClaimNames.defaults(), InstantSource.system())
                .mint(new DevIssuer.Grant("ops", tenant, List.of(role), List.of(), Duration.ofMinutes(5)));
    }

    private static io.timestore.server.testing.ApiResponse writeUsage(Api api, String authorization, long time) {
        return api.postJson("/storage/v1/datasets/cpu/points", """
                {"points": [{"measurement": "cpu", "tags": {"host": "a"}, "time": %d, "fields": {"usage": 1.5}}]}
                """.formatted(time), "Authorization", authorization);
    }

    /** As the database's superuser (the embedded cluster trusts local connections): every series and its hot points gone. */
    private void removeEverySeries() throws Exception {
        int port = Integer.parseInt(java.nio.file.Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(3).strip());
        try (var connection = java.sql.DriverManager.getConnection("jdbc:postgresql://localhost:%d/timestore".formatted(port), "postgres", "");
             var statement = connection.createStatement()) {
            statement.execute("DELETE FROM point_batches");
            assertThat(statement.executeUpdate("DELETE FROM series")).isEqualTo(1);
        }
    }
}
