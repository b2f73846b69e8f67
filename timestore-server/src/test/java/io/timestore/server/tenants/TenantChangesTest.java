package io.timestore.server.tenants;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.config.AuthCaches;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A tenant changed outside this instance (through another instance, or by an operator's SQL) takes
 * effect here at once, although this instance trusts a cached status for five minutes: the V29
 * trigger notifies, {@link TenantChangeListener} drops the cached answer (docs/scaling.md "Caches").
 */
class TenantChangesTest {
    /** Far longer than any wait below: an answer that arrives in time did not come from expiry. */
    private static final Duration CACHE_TTL = Duration.ofMinutes(5);
    private static final Duration BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().with(s -> s.withAuth(s.auth().withCaches(
            new AuthCaches(AuthCaches.DEFAULT_JWT_MAX_ENTRIES, AuthCaches.DEFAULT_DATASET_MAX_ENTRIES,
                    AuthCaches.DEFAULT_TENANT_STATUS_MAX_ENTRIES, CACHE_TTL))));

    @BeforeAll
    static void tenants() {
        server.tenant("hooli").tenant("initech");
    }

    @Test
    void a_tenant_disabled_elsewhere_is_refused_at_once_though_its_status_is_cached_for_minutes() throws SQLException {
        var admin = bearer(server.tokens().user("hooli", "tenant-admin"));
        assertThat(server.api().get("/admin/v1/tokens", admin).statusCode()).as("active, and now cached").isEqualTo(200);

        setStatus("hooli", "disabled");

        Await.until("the disabled tenant is refused", BOUND, () -> server.api().get("/admin/v1/tokens", admin).statusCode() == 403);
        setStatus("hooli", "active");
        Await.until("the enabled tenant is served again", BOUND, () -> server.api().get("/admin/v1/tokens", admin).statusCode() == 200);
    }

    @Test
    void a_listener_whose_connection_was_cut_listens_again_and_hears_later_changes() throws SQLException {
        var admin = bearer(server.tokens().user("initech", "tenant-admin"));
        assertThat(server.api().get("/admin/v1/tokens", admin).statusCode()).isEqualTo(200);
        Await.until("the listener listens", BOUND, () -> listeners() == 1);

        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     + "WHERE datname = current_database() AND query = 'LISTEN " + TenantChangeListener.CHANNEL + "'")) {
            statement.execute();
        }
        Await.until("the listener listens again", Duration.ofSeconds(30), () -> listeners() == 1);
        assertThat(server.api().get("/admin/v1/tokens", admin).statusCode()).as("cached again after the reconnect").isEqualTo(200);

        setStatus("initech", "disabled");

        Await.until("the disabled tenant is refused", BOUND, () -> server.api().get("/admin/v1/tokens", admin).statusCode() == 403);
    }

    private static void setStatus(String tenant, String status) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("UPDATE tenants SET status = ? WHERE id = ?")) {
            statement.setString(1, status);
            statement.setString(2, tenant);
            assertThat(statement.executeUpdate()).isEqualTo(1);
        }
    }

    /** Sessions of this test's database listening for tenant changes (their last statement was the LISTEN). */
    private static long listeners() {
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("SELECT count(*) FROM pg_stat_activity "
                     + "WHERE datname = current_database() AND query = 'LISTEN " + TenantChangeListener.CHANNEL + "'");
             var rows = statement.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
