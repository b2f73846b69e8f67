package io.timestore.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.RawConnection;
import io.timestore.server.testing.TimestoreServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A body over the limit is answered 413 problem+json that the client can read, even while it
 * keeps sending; the connection is closed after the answer. The 413 is a request with its one
 * audit event (G3).
 */
class OversizedBodyTest {
    private static final int MIB = 1024 * 1024;

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
        audit = new AuditLog(server);
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"big\"}",
                "Authorization", "Bearer " + server.tokens().user("acme", "tenant-admin"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    private static String head(String requestId, String framing) {
        return """
                POST /api/v2/write?org=acme&bucket=big HTTP/1.1\r
                Host: localhost\r
                Authorization: Bearer %s\r
                X-Request-ID: %s\r
                Content-Type: text/plain\r
                %s\r
                \r
                """.formatted(server.tokens().user("acme", "writer"), requestId, framing);
    }

    /**
     * Sends {@code chunks} pieces of 64 KiB of valid line protocol, chunk-encoded or not, as a
     * client does that writes its whole body before it reads; fails if the server broke off the
     * upload or stopped reading it.
     */
    private static void sendWholeBody(RawConnection connection, int chunks, boolean chunked) throws InterruptedException {
        var line = "cpu,host=h1 usage=1.5 1700000000000000000\n";
        var piece = new byte[64 * 1024];
        for (int i = 0; i < piece.length; i++) {
            piece[i] = (byte) line.charAt(i % line.length());
        }
        var chunkHeader = (Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        var failure = new AtomicReference<IOException>();
        var sender = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < chunks; i++) {
                    if (chunked) {
                        connection.send(chunkHeader);
                    }
                    connection.send(piece);
                    if (chunked) {
                        connection.send("\r\n");
                    }
                }
                if (chunked) {
                    connection.send("0\r\n\r\n");
                }
            } catch (IOException e) {
                failure.set(e);
            }
        });
        assertThat(sender.join(Duration.ofSeconds(60))).as("the server read the whole body").isTrue();
        assertThat(failure.get()).as("the upload was not broken off").isNull();
    }

    private static void isReadable413(RawConnection.Response response, String requestId) {
        assertThat(response.status()).as(response.body()).isEqualTo(413);
        assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(response.json().get("code").asText()).isEqualTo("payload_too_large");
        assertThat(response.json().get("request_id").asText()).isEqualTo(requestId);
        assertThat(response.header("Connection")).isEqualTo("close");
        assertThat(audit.eventsFor(requestId)).singleElement().satisfies(event -> {
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(413);
            assertThat(event.at("/outcome/error/code").asText()).isEqualTo("payload_too_large");
        });
    }

    @Test
    void a_64_mib_upload_sent_in_full_before_reading_gets_a_readable_413_problem_then_the_connection_closes() throws Exception {
        try (var connection = RawConnection.open(server.api().base())) {
            connection.send(head("oversized-64mib", "Content-Length: " + 64 * MIB));
            sendWholeBody(connection, 64 * MIB / (64 * 1024), false);

            var response = connection.readResponse();

            isReadable413(response, "oversized-64mib");
            connection.awaitClosed(Duration.ofSeconds(30));
        }
    }

    @Test
    void a_chunked_body_over_the_limit_sent_in_full_before_reading_gets_a_readable_413_problem() throws Exception {
        try (var connection = RawConnection.open(server.api().base())) {
            connection.send(head("oversized-chunked", "Transfer-Encoding: chunked"));
            sendWholeBody(connection, 16 * MIB / (64 * 1024), true);

            var response = connection.readResponse();

            isReadable413(response, "oversized-chunked");
            connection.awaitClosed(Duration.ofSeconds(30));
        }
    }

    @Test
    void the_413_arrives_while_the_body_is_still_being_sent() throws Exception {
        try (var connection = RawConnection.open(server.api().base())) {
            connection.send(head("oversized-early", "Content-Length: " + 64 * MIB));
            connection.send(new byte[MIB]);

            var response = connection.readResponse();

            isReadable413(response, "oversized-early");
        }
    }

    @Test
    void a_declared_oversized_body_waiting_for_100_continue_gets_413_without_sending_it() throws Exception {
        try (var connection = RawConnection.open(server.api().base())) {
            connection.send(head("oversized-expect", "Content-Length: " + 64 * MIB + "\r\nExpect: 100-continue"));

            var response = connection.readResponse();

            // The first response is the final 413: no 100 Continue invited the body.
            isReadable413(response, "oversized-expect");
        }
    }
}
