package io.timestore.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.config.DatabaseSettings;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.Postmaster;
import io.timestore.server.testing.ServerProcess;
import io.timestore.server.testing.TimestoreServer;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ReadinessTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().with(settings -> settings.withDatabase(
            new DatabaseSettings(settings.database().url(), settings.database().ownerUser(), settings.database().ownerPassword(),
                    settings.database().runtimeUser(), settings.database().runtimePassword(), settings.database().retentionUser(), settings.database().retentionPassword(), 4, Duration.ofSeconds(1))));

    private void allowConnections(boolean allowed) throws SQLException {
        try (var superuser = server.postgres().superuser("postgres"); var statement = superuser.createStatement()) {
            statement.execute("ALTER DATABASE \"%s\" ALLOW_CONNECTIONS %s".formatted(server.database(), allowed));
            if (!allowed) {
                statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'"
                        .formatted(server.database()));
            }
        }
    }

    @Test
    void readyz_is_503_while_the_database_is_unreachable_and_recovers_after() throws SQLException {
        assertThat(server.api().get("/readyz").statusCode()).isEqualTo(200);

        allowConnections(false);
        try {
            var down = server.api().get("/readyz");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.json().get("status").asText()).isEqualTo("not_ready");
            assertThat(down.json().at("/checks/database").asText()).isEqualTo("down");
            assertThat(server.api().get("/healthz").statusCode()).as("liveness does not depend on the database").isEqualTo(200);
        } finally {
            allowConnections(true);
        }

        Await.until("readyz is 200 again", Duration.ofSeconds(20), () -> server.api().get("/readyz").statusCode() == 200);
    }

    /**
     * A hung database (every PostgreSQL process SIGSTOPped) answers nothing, so only a check that
     * bounds its own wait can answer: the pool's connect and validation timeouts (5 s each by
     * default) are far longer than a probe's patience. The client gives up after 3 s.
     */
    @Test
    void readyz_answers_503_at_once_while_the_embedded_database_hangs_and_200_after_it_resumes(@TempDir Path dataDir)
            throws Exception {
        try (var process = ServerProcess.serve(dataDir)) {
            var api = new Api(process.awaitListening(Duration.ofSeconds(90)));
            assertThat(api.get("/readyz").statusCode()).isEqualTo(200);
            var postgres = Postmaster.withDescendants(Postmaster.of(dataDir));

            Postmaster.signal("STOP", postgres);
            try {
                var hung = api.send(api.request("/readyz").timeout(Duration.ofSeconds(3)).GET().build());

                assertThat(hung.statusCode()).isEqualTo(503);
                assertThat(hung.json().at("/checks/database").asText()).isEqualTo("down");
            } finally {
                Postmaster.signal("CONT", postgres);
            }

            Await.until("readyz is 200 again", Duration.ofSeconds(30), () -> api.get("/readyz").statusCode() == 200);
        }
    }
}
