package io.timestore.server.retention;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.threeten.extra.MutableClock;

/**
 * Issue 7 retention: events past a tenant's retention are purged on one instance, in the
 * retention role, anchored so the rest still verifies; a legal hold stops it; the purge is audited.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditRetentionTest {
    private static final MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withClock(clock);
    private static AuditLog audit;

    @BeforeAll
    static void setUp() throws Exception {
        server.tenant("acme").tenant("held");
        audit = new AuditLog(server);
        setTenant("acme", "audit_retention_days = 1");
        setTenant("held", "audit_retention_days = 1, legal_hold = true");
        for (int i = 0; i < 12; i++) {
            server.api().get("/admin/v1/tokens", bearer(server.tokens().user("acme", "tenant-admin")));
            server.api().get("/admin/v1/tokens", bearer(server.tokens().user("held", "tenant-admin")));
        }
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
        clock.add(Duration.ofDays(2));
        // Fresh events after the cutoff: these must survive.
        for (int i = 0; i < 3; i++) {
            server.api().get("/admin/v1/tokens", bearer(server.tokens().user("acme", "tenant-admin")));
        }
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    private static void setTenant(String tenant, String assignments) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database())) {
            superuser.createStatement().execute("UPDATE tenants SET " + assignments + " WHERE id = '" + tenant + "'");
        }
    }

    @Test
    @Order(1)
    void a_dry_run_reports_what_would_go_and_changes_nothing_then_the_purge_removes_exactly_that() {
        var before = audit.eventsOf("acme").size();

        var plan = server.timestore().retention().run(true, "acme").orElseThrow();

        assertThat(plan).singleElement().satisfies(p -> {
            assertThat(p.dryRun()).isTrue();
            assertThat(p.fromSeq()).isEqualTo(1);
            assertThat(p.events()).isEqualTo(12);
        });
        assertThat(audit.eventsOf("acme")).hasSize(before);

        var purged = server.timestore().retention().run(false, "acme").orElseThrow();

        assertThat(purged).singleElement().satisfies(p -> assertThat(p.events()).isEqualTo(12));
        var left = audit.eventsOf("acme");
        assertThat(left).hasSize(before - 12 + 1);
        assertThat(left).anySatisfy(e -> {
            assertThat(e.at("/operation/action").asText()).isEqualTo("audit:purge");
            assertThat(e.at("/actor/type").asText()).isEqualTo("system");
            assertThat(e.at("/details/through_seq").asLong()).isEqualTo(12);
        });
    }

    @Test
    @Order(2)
    void the_remaining_chain_verifies_from_its_purge_anchor() throws Exception {
        server.timestore().retention().run(false, "acme");
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);

        var report = server.api().get("/api/audit/v1alpha1/verify", bearer(server.tokens().user("acme", "auditor")));

        assertThat(report.statusCode()).isEqualTo(200);
        assertThat(report.json().get("ok").asBoolean()).as(report.body()).isTrue();
        assertThat(report.json().at("/tenants/0/anchored_at_seq").asLong()).isEqualTo(12);
    }

    @Test
    void a_tenant_under_legal_hold_keeps_everything() {
        var before = audit.eventsOf("held").size();

        var outcomes = server.timestore().retention().run(false, "held").orElseThrow();

        assertThat(outcomes).isEmpty();
        assertThat(audit.eventsOf("held")).hasSize(before);
    }

    @Test
    void the_runtime_role_cannot_delete_audit_history_but_the_retention_role_is_the_one_that_may() throws SQLException {
        try (var runtime = server.postgres().runtime(server.database()); var statement = runtime.createStatement()) {
            statement.execute("SELECT set_config('app.platform', 'on', false)");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> statement.executeUpdate("DELETE FROM audit_events"))
                    .hasMessageContaining("permission denied");
        }
        try (var superuser = server.postgres().superuser(server.database());
             var rows = superuser.createStatement().executeQuery(
                     "SELECT has_table_privilege('timestore_retention', 'audit_events', 'DELETE')")) {
            rows.next();
            assertThat(rows.getBoolean(1)).isTrue();
        }
    }
}
