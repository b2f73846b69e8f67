package io.timestore.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.server.Timestore;
import io.timestore.server.config.DatabaseSettings;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.testing.SharedPostgres;
import io.timestore.server.testing.TimestoreServer;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The server's database role cannot step around row-level security, and the server checks that it cannot. */
class RuntimeRoleTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    @TempDir
    Path dataDir;

    @Test
    void the_runtime_role_is_no_superuser_has_no_bypassrls_and_owns_nothing() throws SQLException {
        try (var runtime = server.postgres().runtime(server.database());
             var rows = runtime.createStatement().executeQuery("""
                     SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
                            (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid) AS owned
                     FROM pg_roles r WHERE r.rolname = current_user
                     """)) {
            rows.next();
            assertThat(rows.getBoolean("rolsuper")).isFalse();
            assertThat(rows.getBoolean("rolbypassrls")).isFalse();
            assertThat(rows.getBoolean("rolcreaterole")).isFalse();
            assertThat(rows.getBoolean("rolcreatedb")).isFalse();
            assertThat(rows.getLong("owned")).isZero();
        }
    }

    @Test
    void the_runtime_role_cannot_create_tables_or_touch_the_migration_history() throws SQLException {
        try (var runtime = server.postgres().runtime(server.database()); var statement = runtime.createStatement()) {
            assertThatThrownBy(() -> statement.execute("CREATE TABLE public.sneaky (id int)"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            assertThatThrownBy(() -> statement.execute("DELETE FROM flyway_schema_history"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
        }
    }

    /** V44: ingest.KnownSeries relies on series and field types going only with their dataset. */
    @Test
    void the_runtime_role_cannot_delete_or_change_series_or_field_types_but_deleting_their_dataset_takes_them()
            throws SQLException {
        try (var runtime = server.postgres().runtime(server.database()); var statement = runtime.createStatement()) {
            for (var sql : List.of("DELETE FROM series", "DELETE FROM measurement_fields", "UPDATE series SET type = type",
                    "UPDATE measurement_fields SET type = type")) {
                assertThatThrownBy(() -> statement.execute(sql)).as(sql)
                        .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            }
        }
        server.tenant("runtime-role-test");
        try (var runtime = server.postgres().runtime(server.database())) {
            runtime.setAutoCommit(false);
            try (var statement = runtime.createStatement()) {
                statement.execute("SELECT set_config('app.tenant_id', 'runtime-role-test', true)");
                statement.execute("INSERT INTO datasets (tenant_id, id, created_by, updated_by) VALUES ('runtime-role-test', 'gone', 't', 't')");
                statement.execute("""
                        INSERT INTO series (tenant_id, dataset_id, measurement, tags, field, type)
                        VALUES ('runtime-role-test', 'gone', 'm', '{}', 'f', 'float')""");
                statement.execute("""
                        INSERT INTO measurement_fields (tenant_id, dataset_id, measurement, field, type)
                        VALUES ('runtime-role-test', 'gone', 'm', 'f', 'float')""");
                assertThat(statement.executeUpdate("DELETE FROM datasets WHERE tenant_id = 'runtime-role-test' AND id = 'gone'"))
                        .isEqualTo(1);
                try (var rows = statement.executeQuery("""
                        SELECT (SELECT count(*) FROM series WHERE dataset_id = 'gone')
                             + (SELECT count(*) FROM measurement_fields WHERE dataset_id = 'gone')""")) {
                    rows.next();
                    assertThat(rows.getLong(1)).as("series and field types left after their dataset's deletion").isZero();
                }
            }
            runtime.rollback();
        }
    }

    @Test
    void tables_are_owned_by_the_owner_role() throws SQLException {
        try (var owner = server.postgres().owner(server.database());
             var rows = owner.createStatement().executeQuery(
                     "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'public'::regnamespace")) {
            rows.next();
            assertThat(rows.getString(1)).isEqualTo(SharedPostgres.OWNER);
            assertThat(rows.next()).isFalse();
        }
    }

    @Test
    void the_server_refuses_to_start_with_a_runtime_role_that_has_bypassrls() throws SQLException {
        var database = server.postgres().createDatabase("bypass");
        try (var superuser = server.postgres().superuser("postgres"); var statement = superuser.createStatement()) {
            statement.execute("DROP ROLE IF EXISTS careless_runtime");
            statement.execute("CREATE ROLE careless_runtime LOGIN BYPASSRLS");
            statement.execute("GRANT CONNECT ON DATABASE " + database + " TO careless_runtime");
        }
        var settings = TimestoreServer.settingsFor(server.postgres(), database, dataDir);
        var careless = settings.withDatabase(new DatabaseSettings(settings.database().url(), SharedPostgres.OWNER,
                settings.database().ownerPassword(), "careless_runtime", settings.database().runtimePassword(), settings.database().retentionUser(), settings.database().retentionPassword(), 2,
                settings.database().connectTimeout()));

        assertThatThrownBy(() -> Timestore.start(careless, List.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("database.runtime-user")
                .hasMessageContaining("BYPASSRLS");
    }

    @Test
    void the_server_refuses_the_owner_as_runtime_role() {
        var database = server.postgres().createDatabase("ownerasruntime");
        var settings = TimestoreServer.settingsFor(server.postgres(), database, dataDir);
        var sameRole = settings.withDatabase(new DatabaseSettings(settings.database().url(), SharedPostgres.OWNER,
                settings.database().ownerPassword(), SharedPostgres.OWNER, settings.database().runtimePassword(), settings.database().retentionUser(), settings.database().retentionPassword(), 2,
                settings.database().connectTimeout()));

        assertThatThrownBy(() -> Timestore.start(sameRole, List.of()))
                .isInstanceOf(InvalidSettings.class)
                .hasMessageContaining("must differ from database.user");
    }
}
