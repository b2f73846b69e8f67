package io.timestore.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.config.DatabaseSettings;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
}
