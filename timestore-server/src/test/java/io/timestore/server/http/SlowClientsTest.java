package io.timestore.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.RawConnection;
import io.timestore.server.testing.TimestoreServer;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slow clients cannot hold connections: a request head trickled in (slowloris) is cut off after
 * the header timeout, an idle keep-alive connection after the idle timeout. Neither is a request:
 * no response, no audit event, a count in {@code timestore_http_connections_closed_total}.
 * The server runs with 1 s timeouts; the bounds below are generous on purpose.
 */
class SlowClientsTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withHttp(s.http().withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1))));

    /** Sends {@code piece} every 200 ms (well within the idle timeout) until the connection fails. */
    private static Thread trickle(RawConnection connection, String piece) {
        return Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < 1000; i++) {
                    connection.send(piece);
                    LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
                }
            } catch (IOException closed) {
                // The server hung up: what the test waits for.
            }
        });
    }

    private static double closed(String reason) {
        return server.timestore().registry().counter("timestore.http.connections.closed", "reason", reason).count();
    }

    @Test
    void a_request_head_trickled_line_by_line_is_cut_off_after_the_header_timeout_without_a_response_or_audit_event()
            throws Exception {
        double before = closed("header_timeout");
        try (var connection = RawConnection.open(server.api().base())) {
            connection.send("GET /storage/v1/datasets HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: slowloris-1\r\n");
            var trickler = trickle(connection, "X-Slow: still-coming\r\n");

            var received = connection.awaitClosed(BOUND);

            assertThat(received).as("no response to a request that never arrived").isEmpty();
            trickler.join(BOUND);
        }
        assertThat(closed("header_timeout")).isGreaterThan(before);
        assertThat(new AuditLog(server).eventsFor("slowloris-1")).isEmpty();
    }

    @Test
    void blank_lines_trickled_before_a_request_are_cut_off_after_the_header_timeout() throws Exception {
        try (var connection = RawConnection.open(server.api().base())) {
            var trickler = trickle(connection, "\r\n");

            assertThat(connection.awaitClosed(BOUND)).isEmpty();
            trickler.join(BOUND);
        }
    }

    @Test
    void an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() throws Exception {
        try (var connection = RawConnection.open(server.api().base())) {
            connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(connection.readResponse().status()).isEqualTo(200);

            assertThat(connection.awaitClosed(BOUND)).as("nothing more is sent on an idle connection").isEmpty();
        }
    }

    @Test
    void requests_whose_heads_arrive_in_time_are_served_one_after_another_on_one_connection() throws Exception {
        try (var connection = RawConnection.open(server.api().base())) {
            for (int i = 0; i < 3; i++) {
                connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
                connection.send("X-Request-ID: in-time-" + i + "\r\n\r\n");

                var response = connection.readResponse();

                assertThat(response.status()).isEqualTo(200);
                assertThat(response.header("X-Request-ID")).isEqualTo("in-time-" + i);
            }
        }
    }
}
