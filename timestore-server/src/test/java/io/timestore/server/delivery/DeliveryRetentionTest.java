package io.timestore.server.delivery;

import static io.timestore.server.delivery.FileSets.fileSink;
import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.Directories;
import io.timestore.server.testing.TimestoreServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.threeten.extra.MutableClock;

/**
 * Issue #17: retention never purges what an enabled sink has not delivered, and says how much it
 * holds back; {@code audit.delivery.max-hold} bounds the hold, and the sink then sees the gap.
 */
class DeliveryRetentionTest {
    private static final MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);
    private static final Path files = Directories.temporary("delivery-retention");

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withClock(clock)
            .with(s -> FileSets.withSinks(s, Optional.of(Duration.ofDays(5)), fileSink(0, "slow", files)));

    @AfterAll
    static void cleanUp() {
        Directories.delete(files);
    }

    private static void tenantWithOneDayRetention(String tenant) throws SQLException {
        server.tenant(tenant);
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("UPDATE tenants SET audit_retention_days = 1 WHERE id = ?")) {
            statement.setString(1, tenant);
            statement.executeUpdate();
        }
    }

    private static void eventsAndSeal(String tenant, int requests) throws Exception {
        var token = bearer(server.tokens().user(tenant, "tenant-admin"));
        for (int i = 0; i < requests; i++) {
            server.api().get("/admin/v1/tokens", token);
        }
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    private static double held() {
        return server.timestore().registry().get("timestore.audit.retention.held.events").gauge().value();
    }

    private static long delivered(String partition) {
        return server.timestore().delivery().store().cursors(Optional.of("slow")).stream()
                .filter(c -> c.partition().equals(partition)).mapToLong(c -> c.deliveredSeq()).findFirst().orElse(-1);
    }

    @Test
    void events_past_retention_that_the_sink_has_not_delivered_are_kept_until_it_has() throws Exception {
        tenantWithOneDayRetention("acme");
        var blocker = Files.writeString(files.resolve("acme"), "the receiver is down");
        eventsAndSeal("acme", 12);
        clock.add(Duration.ofDays(2));
        eventsAndSeal("acme", 3);
        var audit = new AuditLog(server);
        int stored = audit.eventsOf("acme").size();

        var run = server.timestore().retention().run(false, "acme").orElseThrow();

        assertThat(run).as("nothing purged while the sink lags").isEmpty();
        assertThat(audit.eventsOf("acme")).hasSize(stored);
        assertThat(held()).isEqualTo(12);

        Files.delete(blocker);
        Await.until("the sink delivered acme's events", Duration.ofSeconds(60), () -> delivered("acme") >= stored);
        var purged = server.timestore().retention().run(false, "acme").orElseThrow();

        assertThat(purged).singleElement().satisfies(p -> assertThat(p.events()).isEqualTo(12));
        assertThat(held()).isZero();
    }

    @Test
    void past_retention_plus_max_hold_undelivered_events_go_and_the_sink_sees_the_gap() throws Exception {
        tenantWithOneDayRetention("beta");
        var blocker = Files.writeString(files.resolve("beta"), "the receiver is down");
        eventsAndSeal("beta", 10);
        clock.add(Duration.ofDays(7));

        var purged = server.timestore().retention().run(false, "beta").orElseThrow();

        assertThat(purged).singleElement().satisfies(p -> assertThat(p.throughSeq()).isEqualTo(10));
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
        Files.delete(blocker);
        Await.until("the sink received what is left: the purge's own event after the gap", Duration.ofSeconds(60),
                () -> delivered("beta") >= 11);
        var lines = FileSets.lines(files.resolve("beta"));
        assertThat(FileSets.seqs(lines)).first().isEqualTo(11L);
        assertThat(lines.getFirst().at("/operation/action").asText()).isEqualTo("audit:purge");
        assertThat(server.timestore().registry().get("timestore.audit.delivery.skipped").tag("sink", "slow").counter().count())
                .isEqualTo(10);
    }
}
