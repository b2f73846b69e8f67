package io.timestore.server.delivery;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.config.TenantStreamSettings;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import io.timestore.server.testing.WebhookReceiver;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Audit delivery cannot take the request path's database connections (docs/scaling.md §5): every
 * sink and tenant stream has a worker of its own, and when the database stalls their statements,
 * requests must still be answered. Found on a loaded machine, where a dozen tenant streams to an
 * unreachable endpoint held every connection of the test server's pool of 8 and a read was
 * answered 503 after the pool's 5 s wait. The pool's size is {@code audit.delivery.pool-size}: set
 * here above its default of 6, more delivery statements wait at once than the default pool could
 * ever hold.
 */
class DeliveryPoolTest {
    private static final int STREAMS = 12; // more workers than the request pool's 8 connections
    private static final int DELIVERY_POOL = 9; // the leader's lock connection and 8 for the workers

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withTenantStreams(new TenantStreamSettings(List.of(), true, true)))
            .with(s -> s.withAudit(s.audit().withDelivery(s.audit().delivery().withPoolSize(DELIVERY_POOL))));

    private static final WebhookReceiver receiver = WebhookReceiver.start(WebhookReceiver.newSecret());

    @BeforeAll
    static void streams() {
        server.tenant("acme");
        server.dataset("acme", "cpu");
        for (int i = 0; i < STREAMS; i++) {
            var created = server.api().postJson("/admin/v1/audit-streams", """
                    {"name": "stream %d", "url": "%s", "format": "timestore"}""".formatted(i, receiver.url("127.0.0.1")),
                    bearer(server.tokens().user("acme", "tenant-admin")));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @Test
    void requests_are_answered_while_every_delivery_statement_waits_on_a_lock() throws SQLException {
        try (var lock = server.postgres().superuser(server.database())) {
            lock.setAutoCommit(false);
            try (var statement = lock.createStatement()) {
                statement.execute("LOCK TABLE audit_delivery_cursors IN ACCESS EXCLUSIVE MODE");
            }
            // The workers poll every 200 ms; wait until every connection of the delivery pool but the
            // leader's is in the lock's queue: 8, more than the default pool of 6 could hold.
            Await.until("delivery statements wait for the lock", Duration.ofSeconds(30),
                    () -> server.postgres().backendsWaitingForLocks(server.database()) >= DELIVERY_POOL - 1);

            var statuses = new ArrayList<Integer>();
            for (int i = 0; i < 10; i++) {
                statuses.add(server.api().get("/storage/v1/datasets/cpu", server.as("acme", "reader")).statusCode());
            }

            assertThat(statuses).containsOnly(200);
            lock.rollback();
        }
    }

}
