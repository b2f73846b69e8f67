package io.timestore.server.delivery.streams;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.cli.Main;
import io.timestore.server.config.TenantStreamSettings;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import io.timestore.server.testing.WebhookReceiver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.threeten.extra.MutableClock;

/**
 * Issue #17: a tenant's own audit stream holds retention back like a platform sink
 * (docs/audit-delivery.md, "Retention and sinks"): neither the server's scheduled purge nor
 * {@code timestore audit purge} removes an event the stream has not delivered, and a paused stream,
 * which continues where it stopped when resumed, holds as a parked sink does. The server's clock
 * starts ten days back, so its events are past a one-day retention for the command line's clock
 * (and for the server's, three days later).
 */
class StreamRetentionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MutableClock clock = MutableClock.of(Instant.now().minus(Duration.ofDays(10)), ZoneOffset.UTC);
    /** A receiver that cannot take anything right now: the stream never gets past its first batch. */
    private static final WebhookReceiver unavailable = WebhookReceiver.start(WebhookReceiver.newSecret()).answer(503);

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withClock(clock)
            .with(s -> s.withTenantStreams(new TenantStreamSettings(List.of(), true, true)));

    @AfterAll
    static void stopReceiver() {
        unavailable.close();
    }

    private static String[] admin(String tenant) {
        return bearer(server.tokens().user(tenant, "tenant-admin"));
    }

    /** A tenant with a one-day retention, a stream to the unavailable receiver, and a dozen sealed events. */
    private static String tenantWithUndeliveredStream(String tenant) throws Exception {
        server.tenant(tenant);
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("UPDATE tenants SET audit_retention_days = 1 WHERE id = ?")) {
            statement.setString(1, tenant);
            statement.executeUpdate();
        }
        var created = server.api().postJson("/admin/v1/audit-streams",
                "{\"name\": \"siem\", \"url\": \"%s\"}".formatted(unavailable.url("127.0.0.1")), admin(tenant));
        assertThat(created.statusCode()).isEqualTo(201);
        for (int i = 0; i < 12; i++) {
            server.api().get("/admin/v1/tokens", admin(tenant));
        }
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
        return created.json().get("id").asText();
    }

    private static JsonPurge cliPurge(String tenant) throws Exception {
        var env = Map.of("TIMESTORE_DB_URL", server.postgres().jdbcUrl(server.database()),
                "TIMESTORE_DATA_DIR", server.dataDir().toString(),
                "TIMESTORE_AUDIT_SIGNING_KEY_FILE", server.dataDir().resolve("audit-checkpoint.key").toString());
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"audit", "purge", "--tenant", tenant}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return new JsonPurge(JSON.readTree(out.toString(StandardCharsets.UTF_8)).get("partitions").size());
    }

    private record JsonPurge(int partitionsPurged) {}

    private static long storedEvents(String tenant) throws SQLException {
        return count("SELECT count(*) FROM audit_events WHERE tenant_id = ?", tenant);
    }

    private static long count(String sql, String tenant) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement(sql)) {
            statement.setString(1, tenant);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    @Test
    void the_command_line_purge_keeps_what_a_tenant_stream_has_not_delivered() throws Exception {
        tenantWithUndeliveredStream("acme");
        long stored = storedEvents("acme");
        assertThat(count("SELECT count(*) FROM audit_events WHERE tenant_id = ? AND occurred_at > now() - interval '1 day'", "acme"))
                .as("every event is past the one-day retention").isZero();

        var purge = cliPurge("acme");

        assertThat(purge.partitionsPurged()).as("nothing purged while the tenant's stream lags").isZero();
        assertThat(storedEvents("acme")).isEqualTo(stored);
        assertThat(new AuditLog(server).eventsOf("acme")).isNotEmpty();
    }

    @Test
    void a_paused_tenant_stream_holds_back_the_scheduled_purge_and_the_command_line_purge() throws Exception {
        var id = tenantWithUndeliveredStream("globex");
        assertThat(server.api().postJson("/admin/v1/audit-streams/" + id + "/pause", "", admin("globex")).statusCode()).isEqualTo(200);
        server.timestore().tenantStreamTargets().refreshNow();
        long stored = storedEvents("globex");

        clock.add(Duration.ofDays(3));
        var scheduled = server.timestore().retention().run(false, "globex").orElseThrow();
        assertThat(scheduled).as("the server's job purged nothing").isEmpty();
        var cli = cliPurge("globex");

        assertThat(cli.partitionsPurged()).as("the command line purged nothing").isZero();
        assertThat(storedEvents("globex")).isEqualTo(stored);
    }
}
