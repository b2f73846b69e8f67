package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.RowLock;
import io.timestore.server.testing.TimestoreServer;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that goes away during a long {@code /query}, or a long read of the native query route,
 * stops the database work: the statement is cancelled in PostgreSQL (docs/influxql.md "Cancellation"), and the request is audited once, 499
 * {@code client_closed_request}. The query is made long, without sleeps, by a test session holding
 * the points table locked: the server's statement waits for the lock, visible in pg_stat_activity.
 */
class InfluxQlCancellationTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    static final long T0 = 1_700_000_000_000L;

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"metrics\"}",
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var written = server.api().post("/write?precision=ms&db=metrics", "cpu,host=a v=1 %d%ncpu,host=a v=2 %d%n".formatted(T0, T0 + 1000),
                bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    @Test
    void a_client_that_disconnects_cancels_the_running_statement_and_the_request_is_audited_once_as_499() throws Exception {
        var q = "SELECT mean(\"v\") FROM \"cpu\" WHERE time >= %dms AND time <= %dms GROUP BY time(1s)".formatted(T0, T0 + 60_000);
        var event = cancelledOnDisconnect("/query?db=metrics&epoch=ms&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8), "/query");
        assertThat(event.at("/details/statement").asText()).startsWith("SELECT mean");
        // The server serves the next query as ever once the lock is gone.
        var after = server.api().get("/query?db=metrics&epoch=ms&q=" + URLEncoder.encode("SELECT count(\"v\") FROM \"cpu\"", StandardCharsets.UTF_8),
                bearer(server.tokens().user("acme", "reader")));
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        assertThat(after.json().at("/results/0/series/0/values/0/1").asInt()).isEqualTo(2);
    }

    @Test
    void the_native_query_route_is_cancelled_the_same_way() throws Exception {
        var path = "/storage/v1/datasets/metrics/query";
        var event = cancelledOnDisconnect("%s?measurement=cpu&field=v&start=%d&end=%d&step=1s&agg=mean"
                .formatted(path, T0 * 1_000_000, (T0 + 60_000) * 1_000_000), path);
        assertThat(event.at("/details/step").asText()).isEqualTo("1s");
        var after = server.api().get(path + "?measurement=cpu&field=v", bearer(server.tokens().user("acme", "reader")));
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
    }

    /**
     * Sends {@code GET target} on a raw socket while a test session holds the points table, closes
     * the socket once the server's statement waits for the lock, and awaits the statement's end
     * while the lock is still held (only a cancel ends it); returns the request's one event.
     */
    private static JsonNode cancelledOnDisconnect(String target, String path) throws Exception {
        var base = server.api().base();
        try (var lock = RowLock.table(server.postgres(), server.database(), "points")) {
            int backend;
            try (var client = new Socket(base.getHost(), base.getPort())) {
                OutputStream out = client.getOutputStream();
                out.write(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n\r\n")
                        .formatted(target, base.getHost(), base.getPort(), server.tokens().user("acme", "reader"))
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // The server's statement now waits for the table lock: the query is "running".
                backend = lock.awaitWaiting(1, Duration.ofSeconds(30)).getFirst();
                assertThat(lock.active(backend)).isTrue();
            } // the client closes its connection without waiting for the answer

            Await.until("the server's statement is cancelled", Duration.ofSeconds(30), () -> !lock.active(backend));
            assertThat(lock.waiting()).isEmpty();

            var audit = new AuditLog(server);
            Await.until("the cancelled request's event is stored", Duration.ofSeconds(30), () -> !cancelled(audit, path).isEmpty());
            var event = cancelled(audit, path).getFirst();
            assertThat(cancelled(audit, path)).hasSize(1);
            assertThat(audit.eventsFor(event.get("request_id").asText())).hasSize(1);
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(499);
            assertThat(event.at("/outcome/result").asText()).isEqualTo("failed");
            assertThat(event.at("/outcome/error/code").asText()).isEqualTo("client_closed_request");
            assertThat(event.at("/operation/dataset_id").asText()).isEqualTo("metrics");
            return event;
        }
    }

    private static List<JsonNode> cancelled(AuditLog audit, String path) {
        return audit.eventsOf("acme").stream()
                .filter(event -> event.at("/request/path").asText().equals(path) && event.at("/outcome/status").asInt() == 499)
                .toList();
    }
}
