package io.timestore.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.timestore.security.TenantId;
import io.timestore.server.testing.SharedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * G2 at the database: whatever SQL the application sends as the runtime role, tenant tables show
 * and accept only the transaction's tenant. Every table with row-level security is checked to
 * have it enabled and forced.
 */
class RowLevelSecurityTest {
    private static SharedPostgres postgres;
    private static String database;
    private static HikariDataSource pool;
    private static Transactions transactions;

    @RegisterExtension
    static final BeforeAllCallback setUp = RowLevelSecurityTest::open;

    private static void open(ExtensionContext context) throws SQLException {
        postgres = SharedPostgres.in(context);
        database = postgres.createDatabase("rls");
        pool = new HikariDataSource();
        pool.setJdbcUrl(postgres.jdbcUrl(database));
        pool.setUsername(SharedPostgres.RUNTIME);
        pool.setMaximumPoolSize(2);
        transactions = new Transactions(pool);
        try (var owner = postgres.superuser(database); var statement = owner.createStatement()) {
            statement.execute("""
                    INSERT INTO tenants (id, name, created_by, updated_by) VALUES
                      ('acme', 'Acme', 'test', 'test'), ('globex', 'Globex', 'test', 'test')
                    """);
        }
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    private static List<String> tenantIds(Connection connection) throws SQLException {
        var ids = new ArrayList<String>();
        try (var rows = connection.createStatement().executeQuery("SELECT id FROM tenants ORDER BY id")) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    @Test
    void a_query_without_a_tenant_filter_returns_only_the_current_tenants_rows() {
        assertThat(transactions.inTenant(new TenantId("acme"), RowLevelSecurityTest::tenantIds)).containsExactly("acme");
        assertThat(transactions.inTenant(new TenantId("globex"), RowLevelSecurityTest::tenantIds)).containsExactly("globex");
    }

    @Test
    void with_no_tenant_set_tenant_tables_show_zero_rows() {
        assertThat(transactions.withoutTenant(RowLevelSecurityTest::tenantIds)).isEmpty();
    }

    @Test
    void the_platform_path_sees_every_tenant() {
        assertThat(transactions.asPlatform(RowLevelSecurityTest::tenantIds)).contains("acme", "globex");
    }

    @Test
    void an_update_of_another_tenants_row_changes_nothing() {
        int updated = transactions.inTenant(new TenantId("acme"), connection ->
                connection.createStatement().executeUpdate("UPDATE tenants SET name = 'pwned' WHERE id = 'globex'"));

        assertThat(updated).isZero();
        String name = transactions.asPlatform(connection -> {
            try (var rows = connection.createStatement().executeQuery("SELECT name FROM tenants WHERE id = 'globex'")) {
                rows.next();
                return rows.getString(1);
            }
        });
        assertThat(name).isEqualTo("Globex");
    }

    @Test
    void an_insert_carrying_another_tenants_id_is_refused_by_the_policy() {
        assertThatThrownBy(() -> transactions.inTenant(new TenantId("acme"), connection -> {
            try (var statement = connection.prepareStatement("""
                    INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, auth_method, action, component,
                                              result, status, severity, event)
                    VALUES ('globex', gen_random_uuid(), now(), 'r1', 'jwt', 'dataset:read', 'test', 'succeeded', 200, 'info', '{}')
                    """)) {
                return statement.executeUpdate();
            }
        })).isInstanceOf(DatabaseFailure.class)
                .satisfies(e -> assertThat(((DatabaseFailure) e).sqlState()).isEqualTo("42501"));
    }

    @Test
    void a_series_tag_cannot_name_another_tenants_series() throws SQLException {
        long globexSeries;
        try (var owner = postgres.superuser(database); var statement = owner.createStatement()) {
            statement.execute("""
                    INSERT INTO datasets (tenant_id, id, created_by, updated_by)
                    VALUES ('acme', 'tags', 'test', 'test'), ('globex', 'tags', 'test', 'test')
                    """);
            try (var rows = statement.executeQuery("""
                    INSERT INTO series (tenant_id, dataset_id, measurement, tags, field, type)
                    VALUES ('globex', 'tags', 'cpu', '{"host": "g"}', 'usage', 'float') RETURNING id
                    """)) {
                rows.next();
                globexSeries = rows.getLong(1);
            }
        }

        // The row carries acme's own tenant (the policy admits it) but globex's series id and the
        // key of globex's own tag: refused by the foreign key, not as a duplicate of globex's row,
        // so acme learns nothing of globex's tags.
        assertThatThrownBy(() -> transactions.inTenant(new TenantId("acme"), connection -> {
            try (var statement = connection.prepareStatement(
                    "INSERT INTO series_tags (tenant_id, dataset_id, series_id, key, value) VALUES ('acme', 'tags', ?, 'host', 'g')")) {
                statement.setLong(1, globexSeries);
                return statement.executeUpdate();
            }
        })).isInstanceOf(DatabaseFailure.class)
                .satisfies(e -> assertThat(((DatabaseFailure) e).sqlState()).isEqualTo("23503"));
    }

    @Test
    void the_runtime_role_cannot_turn_row_level_security_off() {
        assertThatThrownBy(() -> transactions.inTenant(new TenantId("acme"), connection ->
                connection.createStatement().execute("ALTER TABLE tenants DISABLE ROW LEVEL SECURITY")))
                .isInstanceOf(DatabaseFailure.class)
                .satisfies(e -> assertThat(((DatabaseFailure) e).sqlState()).isEqualTo("42501"));
        assertThatThrownBy(() -> transactions.inTenant(new TenantId("acme"), connection ->
                connection.createStatement().execute("SET row_security = off; SELECT * FROM tenants")))
                .isInstanceOf(DatabaseFailure.class);
    }

    @Test
    void every_table_with_a_tenant_column_has_row_level_security_enabled_and_forced() throws SQLException {
        try (var owner = postgres.superuser(database);
             var rows = owner.createStatement().executeQuery("""
                     SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
                     FROM pg_class c
                     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                       AND (EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
                            OR c.relname = 'tenants')
                     """)) {
            var checked = new ArrayList<String>();
            while (rows.next()) {
                assertThat(rows.getBoolean(2)).as("%s has row level security enabled", rows.getString(1)).isTrue();
                assertThat(rows.getBoolean(3)).as("%s has row level security forced", rows.getString(1)).isTrue();
                checked.add(rows.getString(1));
            }
            assertThat(checked).contains("tenants", "audit_events", "audit_seals", "audit_pending", "audit_checkpoints");
        }
    }

    @Test
    void every_unique_key_of_a_tenant_table_is_scoped_by_tenant_except_ids_the_server_generates() throws SQLException {
        // A unique check runs without row-level security: a key without tenant_id would let a
        // refused insert tell one tenant what another holds. Ids are exempt where the server
        // draws them (random token and key ids, identity columns), never a caller.
        var serverGenerated = List.of("api_tokens_pkey", "signing_keys_pkey", "series_pkey", "dataset_shares_revision_key",
                "audit_streams_pkey");
        try (var owner = postgres.superuser(database);
             var rows = owner.createStatement().executeQuery("""
                     SELECT i.indexrelid::regclass::text
                     FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                     WHERE i.indisunique AND c.relnamespace = 'public'::regnamespace
                       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
                       AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                                       WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum = ANY (i.indkey))
                     """)) {
            var unscoped = new ArrayList<String>();
            while (rows.next()) {
                unscoped.add(rows.getString(1));
            }
            assertThat(unscoped).isSubsetOf(serverGenerated);
        }
    }

    @Test
    void every_policy_reads_the_tenant_setting_once_per_statement_not_once_per_row() throws SQLException {
        // current_setting outside a scalar subquery runs for every row a policy checks (V14).
        try (var owner = postgres.superuser(database);
             var rows = owner.createStatement().executeQuery("""
                     SELECT tablename || '.' || policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '')
                     FROM pg_policies WHERE schemaname = 'public'
                     """)) {
            var checked = new ArrayList<String>();
            while (rows.next()) {
                String conditions = rows.getString(2);
                assertThat(conditions).as(rows.getString(1)).contains("current_setting(");
                assertThat(conditions.split("current_setting\\(", -1)).as(rows.getString(1))
                        .hasSize(conditions.split("SELECT current_setting\\(", -1).length);
                checked.add(rows.getString(1));
            }
            assertThat(checked).contains("point_rows.tenant_rows", "point_batches.shared_reads", "audit_events.tenant_rows",
                    "audit_events.platform_rows", "tenants.platform_manages_tenants");
        }
    }

    @Test
    void audit_history_is_append_only_even_for_a_tenants_own_rows() {
        assertThatThrownBy(() -> transactions.inTenant(new TenantId("acme"), connection ->
                connection.createStatement().executeUpdate("UPDATE audit_events SET status = 200")))
                .isInstanceOf(DatabaseFailure.class);
        assertThatThrownBy(() -> transactions.inTenant(new TenantId("acme"), connection ->
                connection.createStatement().executeUpdate("DELETE FROM audit_events")))
                .isInstanceOf(DatabaseFailure.class)
                .satisfies(e -> assertThat(((DatabaseFailure) e).sqlState()).isEqualTo("42501"));
    }
}
