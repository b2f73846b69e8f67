package io.timestore.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.Timestore;
import io.timestore.server.cli.Main;
import io.timestore.server.config.SettingsLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With no database configured, Timestore runs its own durable PostgreSQL under the data directory. */
class EmbeddedDatabaseTest {
    @TempDir
    Path dataDir;

    private Timestore startEmbedded() {
        var settings = SettingsLoader.load(Map.of("server.port", "0", "data-dir", dataDir.toString()), Optional.empty(), Map.of());
        return Timestore.start(settings, List.of());
    }

    private static String show(Timestore timestore, String setting) throws SQLException {
        try (var connection = timestore.database().runtimeDataSource().getConnection();
             var rows = connection.createStatement().executeQuery("SHOW " + setting)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static String currentDatabase(Timestore timestore) {
        return timestore.database().transactions().withoutTenant(connection -> {
            try (var rows = connection.createStatement().executeQuery("SELECT current_database()")) {
                rows.next();
                return rows.getString(1);
            }
        });
    }

    @Test
    void embedded_postgres_runs_durable_under_the_data_dir_and_survives_a_restart() throws Exception {
        String firstSystemId;
        try (var first = startEmbedded()) {
            assertThat(show(first, "fsync")).isEqualTo("on");
            assertThat(show(first, "synchronous_commit")).isEqualTo("on");
            assertThat(show(first, "full_page_writes")).isEqualTo("on");
            assertThat(first.database().target().kind()).startsWith("embedded");
            assertThat(currentDatabase(first)).isEqualTo("timestore");
            assertThat(dataDir.resolve("postgres/PG_VERSION")).exists();
            firstSystemId = systemIdentifier(first);
        }
        assertThat(dataDir.resolve("postgres/postmaster.pid")).as("PostgreSQL stopped cleanly").doesNotExist();

        try (var second = startEmbedded()) {
            assertThat(systemIdentifier(second)).as("same cluster, not re-initialised").isEqualTo(firstSystemId);
            assertThat(second.baseUri().getPort()).isPositive();
        }
    }

    @Test
    void the_migrate_command_uses_the_cluster_of_a_running_server_and_reports_its_schema_version() throws Exception {
        try (var running = startEmbedded()) {
            var out = new ByteArrayOutputStream();
            int code = Main.run(new String[] {"migrate", "--data-dir", dataDir.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), System.err, Map.of());

            assertThat(code).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("0 migration(s) applied")
                    .contains("schema version " + schemaVersion(running) + "\n");
            assertThat(running.database().reachable(java.time.Duration.ofSeconds(2))).as("server's cluster still up").isTrue();
        }
        assertThat(Files.exists(dataDir.resolve("postgres/postmaster.pid"))).isFalse();
    }

    /** The version of the newest migration applied, as Flyway recorded it. */
    private static String schemaVersion(Timestore timestore) throws SQLException {
        var target = timestore.database().target();
        try (var owner = java.sql.DriverManager.getConnection(target.jdbcUrl(), target.ownerUser(), "");
             var rows = owner.createStatement().executeQuery(
                     "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank DESC LIMIT 1")) {
            rows.next();
            return rows.getString(1);
        }
    }

    /** When the baseline migration ran: unchanged across restarts unless the cluster was re-created. */
    private static String systemIdentifier(Timestore timestore) throws SQLException {
        var target = timestore.database().target();
        try (var owner = java.sql.DriverManager.getConnection(target.jdbcUrl(), target.ownerUser(), "");
             var rows = owner.createStatement().executeQuery("SELECT installed_on FROM flyway_schema_history WHERE version = '1'")) {
            rows.next();
            return rows.getString(1);
        }
    }
}
