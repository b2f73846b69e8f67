package io.timestore.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Await;
import io.timestore.server.testing.RawConnection;
import io.timestore.server.testing.TimestoreServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One client address holds at most {@code server.max-connections-per-source} connections; one
 * more is closed at once, without a response, and counted. This class never uses the pooled
 * HTTP client: its idle connections would take the slots under test.
 */
class ConnectionCapTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withHttp(s.http().withMaxConnectionsPerSource(2)));

    private static double refused() {
        return server.timestore().registry().counter("timestore.http.connections.closed", "reason", "per_source_limit").count();
    }

    private static int health(RawConnection connection) {
        try {
            connection.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
            return connection.readResponse().status();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Two open connections the server has admitted and answered. Earlier tests' connections free
     * their slots asynchronously (the server learns of a close a little later), hence the wait.
     */
    private static RawConnection[] twoAdmitted() {
        var admitted = new RawConnection[2];
        Await.until("two connections are admitted", Duration.ofSeconds(20), () -> {
            var first = RawConnection.open(server.api().base());
            var second = RawConnection.open(server.api().base());
            try {
                if (health(first) == 200 && health(second) == 200) {
                    admitted[0] = first;
                    admitted[1] = second;
                    return true;
                }
            } catch (UncheckedIOException refused) {
                // A slot was still taken; try again.
            }
            first.close();
            second.close();
            return false;
        });
        return admitted;
    }

    @Test
    void a_connection_beyond_the_per_source_cap_is_closed_while_those_within_are_served() throws Exception {
        double before = refused();
        var admitted = twoAdmitted();
        try (var first = admitted[0]; var second = admitted[1];
             var third = RawConnection.open(server.api().base())) {

            assertThat(third.awaitClosed(Duration.ofSeconds(20))).as("closed without a response").isEmpty();

            assertThat(health(first)).isEqualTo(200);
            assertThat(health(second)).isEqualTo(200);
            assertThat(refused()).isGreaterThan(before);
        }
    }

    @Test
    void slots_are_free_again_once_connections_close() {
        var admitted = twoAdmitted();
        admitted[0].close();
        admitted[1].close();

        var again = twoAdmitted();

        again[0].close();
        again[1].close();
    }
}
