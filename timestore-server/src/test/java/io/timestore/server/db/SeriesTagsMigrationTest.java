package io.timestore.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.SharedPostgres;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * V16 on a database that already holds series: every tag of every series, of every tenant, gets
 * its series_tags row, although the migration runs as the owner under FORCE ROW LEVEL SECURITY
 * with no tenant set; and the policy on series is forced again afterwards.
 */
class SeriesTagsMigrationTest {
    private static SharedPostgres postgres;

    @RegisterExtension
    static final BeforeAllCallback CLUSTER = (ExtensionContext context) -> postgres = SharedPostgres.in(context);

    @Test
    void the_backfill_records_the_tags_of_every_existing_series_and_leaves_series_forced() throws SQLException {
        String database = "series_tags_migration";
        try (var superuser = postgres.superuser("postgres")) {
            Roles.ensureDatabase(superuser, database, SharedPostgres.OWNER, SharedPostgres.RUNTIME, SharedPostgres.RETENTION);
        }
        var target = postgres.target(database);
        Migrations.migrate(target, MigrationVersion.fromVersion("15"));
        try (var superuser = postgres.superuser(database); var statement = superuser.createStatement()) {
            statement.execute("INSERT INTO tenants (id, name, created_by, updated_by) VALUES ('acme', 'Acme', 't', 't'), ('globex', 'Globex', 't', 't')");
            statement.execute("""
                    INSERT INTO datasets (tenant_id, id, created_by, updated_by)
                    VALUES ('acme', 'cpu', 'test', 'test'), ('globex', 'cpu', 'test', 'test')
                    """);
            statement.execute("""
                    INSERT INTO series (tenant_id, dataset_id, measurement, tags, field, type) VALUES
                        ('acme', 'cpu', 'cpu', '{"host": "a", "region": "eu"}', 'usage', 'float'),
                        ('acme', 'cpu', 'cpu', '{}', 'usage', 'float'),
                        ('globex', 'cpu', 'cpu', '{"host": "a b,c=d"}', 'usage', 'float')
                    """);
        }

        Migrations.migrate(target);

        try (var superuser = postgres.superuser(database); var statement = superuser.createStatement()) {
            var rows = new ArrayList<String>();
            try (var result = statement.executeQuery("""
                    SELECT t.tenant_id, s.tags ->> t.key = t.value, t.key, t.value, t.digest = md5(t.key) || md5(t.value)
                    FROM series_tags t JOIN series s ON s.id = t.series_id ORDER BY 1, 3, 4
                    """)) {
                while (result.next()) {
                    rows.add("%s %s=%s matches:%s digest:%s".formatted(result.getString(1), result.getString(3), result.getString(4),
                            result.getBoolean(2), result.getBoolean(5)));
                }
            }
            assertThat(rows).containsExactly(
                    "acme host=a matches:true digest:true",
                    "acme region=eu matches:true digest:true",
                    "globex host=a b,c=d matches:true digest:true");
            try (var result = statement.executeQuery(
                    "SELECT relforcerowsecurity FROM pg_class WHERE relname IN ('series', 'series_tags') ORDER BY relname")) {
                var forced = new ArrayList<Boolean>();
                while (result.next()) {
                    forced.add(result.getBoolean(1));
                }
                assertThat(forced).isEqualTo(List.of(true, true));
            }
        }
    }
}
