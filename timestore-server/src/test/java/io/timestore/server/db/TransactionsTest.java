package io.timestore.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.timestore.security.TenantId;
import io.timestore.server.testing.SharedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.BeforeAllCallback;

/** The tenant is set per transaction and never outlives it on a pooled connection. */
class TransactionsTest {
    private static SharedPostgres postgres;
    private static HikariDataSource pool;
    private static Transactions transactions;

    @RegisterExtension
    static final BeforeAllCallback database = TransactionsTest::open;

    private static void open(ExtensionContext context) {
        postgres = SharedPostgres.in(context);
        var name = postgres.createDatabase("transactions");
        pool = new HikariDataSource();
        pool.setJdbcUrl(postgres.jdbcUrl(name));
        pool.setUsername(SharedPostgres.RUNTIME);
        // One connection: every transaction below reuses the same physical session.
        pool.setMaximumPoolSize(1);
        transactions = new Transactions(pool);
    }

    @AfterAll
    static void close() {
        pool.close();
    }

    private static String currentTenant(Connection connection) throws SQLException {
        try (var rows = connection.createStatement().executeQuery("SELECT current_setting('app.tenant_id', true)")) {
            rows.next();
            return rows.getString(1);
        }
    }

    @Test
    void the_tenant_is_visible_inside_its_transaction() {
        var seen = transactions.inTenant(new TenantId("acme"), TransactionsTest::currentTenant);

        assertThat(seen).isEqualTo("acme");
    }

    @Test
    void a_connection_returned_to_the_pool_carries_no_tenant_into_its_next_use() {
        transactions.inTenant(new TenantId("acme"), TransactionsTest::currentTenant);

        var next = transactions.withoutTenant(TransactionsTest::currentTenant);

        assertThat(next).isNullOrEmpty();
    }

    @Test
    void work_that_fails_rolls_back_and_still_leaves_no_tenant_behind() {
        assertThatThrownBy(() -> transactions.inTenant(new TenantId("acme"), connection -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom");

        assertThat(transactions.withoutTenant(TransactionsTest::currentTenant)).isNullOrEmpty();
    }

    @Test
    void a_session_level_setting_left_by_misbehaving_work_is_overridden_in_every_later_transaction() {
        transactions.inTenant(new TenantId("acme"), connection -> {
            connection.createStatement().execute("SELECT set_config('app.tenant_id', 'acme', false)");
            return null;
        });

        assertThat(transactions.inTenant(new TenantId("globex"), TransactionsTest::currentTenant)).isEqualTo("globex");
        assertThat(transactions.withoutTenant(TransactionsTest::currentTenant)).isEmpty();
    }

    @Test
    void sql_errors_become_a_database_failure_without_sql_in_the_message() {
        assertThatThrownBy(() -> transactions.inTenant(new TenantId("acme"), connection -> {
            connection.createStatement().execute("SELECT * FROM no_such_table");
            return null;
        })).isInstanceOf(DatabaseFailure.class)
                .hasMessage("database error (SQLState 42P01)");
    }
}
