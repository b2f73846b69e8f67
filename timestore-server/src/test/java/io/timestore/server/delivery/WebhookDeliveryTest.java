package io.timestore.server.delivery;

import static io.timestore.server.delivery.FileSets.fileSink;
import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.timestore.server.config.SinkSettings;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.Directories;
import io.timestore.server.testing.TimestoreServer;
import io.timestore.server.testing.WebhookReceiver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #17 end to end: platform webhook sinks configured like any other fed by the delivery loop of
 * a real server, received by real HTTP receivers that check the Standard Webhooks signature. A
 * receiver that answers 500 forever holds up only its own sink: requests, the file sink and the
 * healthy webhook go on, and it catches up once it answers 2xx again. A receiver that refuses
 * connections for a while (not listening) gets every event, in order, once it listens again.
 */
class WebhookDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** FileSets.withSinks' batch size: 10 events. */
    private static final int BATCH_SIZE = 10;
    private static final String goodSecret = WebhookReceiver.newSecret();
    private static final String brokenSecret = WebhookReceiver.newSecret();
    private static final WebhookReceiver good = WebhookReceiver.start(goodSecret);
    private static final WebhookReceiver broken = WebhookReceiver.start(brokenSecret).answer(500);
    private static final String downSecret = WebhookReceiver.newSecret();
    private static final WebhookReceiver down = WebhookReceiver.start(downSecret);
    private static final Path files = Directories.temporary("delivery-webhook-files");

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().with(s -> FileSets.withSinks(s, Optional.empty(),
            fileSink(0, "siem", files),
            webhookSink(1, "good-hook", good, goodSecret),
            webhookSink(2, "broken-hook", broken, brokenSecret),
            webhookSink(3, "down-hook", down, downSecret)));

    private static SinkSettings webhookSink(int index, String name, WebhookReceiver receiver, String secret) {
        var options = new LinkedHashMap<String, JsonNode>();
        options.put("url", TextNode.valueOf(receiver.url("127.0.0.1").toString()));
        options.put("secret", TextNode.valueOf(secret));
        // The receivers listen on loopback over plain HTTP: both must be allowed explicitly.
        options.put("allow-http", BooleanNode.TRUE);
        options.put("allow-private-addresses", BooleanNode.TRUE);
        return new SinkSettings("audit.delivery.sinks[" + index + "]", name, "webhook", options);
    }

    @BeforeAll
    static void tenants() {
        server.tenant("acme").tenant("globex");
    }

    @AfterAll
    static void cleanUp() {
        good.close();
        broken.close();
        down.close();
        Directories.delete(files);
    }

    private static void traffic(String tenant, int requests) {
        var token = bearer(server.tokens().user(tenant, "tenant-admin"));
        for (int i = 0; i < requests; i++) {
            assertThat(server.api().get("/admin/v1/tokens", token).statusCode()).as("a request while a sink fails").isEqualTo(200);
        }
    }

    /** Every record the receiver was sent, per partition, in the order received (retries included). */
    private static Map<String, List<JsonNode>> delivered(WebhookReceiver receiver) {
        var byPartition = new LinkedHashMap<String, List<JsonNode>>();
        for (var received : receiver.received()) {
            try {
                for (var record : JSON.readTree(received.body())) {
                    byPartition.computeIfAbsent(record.get("tenant_id").asText(), k -> new ArrayList<>()).add(record);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return byPartition;
    }

    private static boolean hasAll(Map<String, List<JsonNode>> records, String partition) {
        var sealed = FileSets.sealed(server.postgres(), server.database(), partition);
        var ids = records.getOrDefault(partition, List.of()).stream().map(r -> r.get("event_id").asText()).distinct().toList();
        return !sealed.isEmpty() && ids.equals(sealed);
    }

    @Test
    void a_receiver_answering_500_holds_up_only_its_own_sink_and_catches_up_once_it_recovers() throws Exception {
        traffic("acme", 30);
        traffic("globex", 20);
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);

        Await.until("the file sink and the healthy webhook hold every sealed event of both tenants", Duration.ofSeconds(60),
                () -> FileSets.ids(FileSets.lines(files.resolve("acme"))).equals(FileSets.sealed(server.postgres(), server.database(), "acme"))
                        && hasAll(delivered(good), "acme") && hasAll(delivered(good), "globex"));
        Await.until("the failing receiver was tried again", Duration.ofSeconds(30), () -> broken.received().size() >= 3);

        assertThat(good.received()).as("every batch signed with the endpoint's secret").allSatisfy(r -> assertThat(r.signatureValid()).isTrue());
        for (var entry : delivered(good).entrySet()) {
            assertThat(entry.getValue()).as("%s's records", entry.getKey())
                    .allSatisfy(record -> assertThat(record.get("tenant_id").asText()).isEqualTo(entry.getKey()));
            var seqs = entry.getValue().stream().map(r -> r.get("seq").asLong()).distinct().toList();
            assertThat(seqs).as("%s's seq in delivery order", entry.getKey()).isSorted();
            assertThat(seqs.getLast() - seqs.getFirst() + 1).as("no gap in %s's seq", entry.getKey()).isEqualTo(seqs.size());
        }
        // While it fails, the broken receiver only ever sees each partition's first batch again:
        // its cursor does not move past what it has not acknowledged.
        for (var entry : delivered(broken).entrySet()) {
            assertThat(entry.getValue().stream().map(r -> r.get("event_id").asText()).distinct().count())
                    .as("distinct events offered to the failing receiver for %s", entry.getKey())
                    .isLessThanOrEqualTo(BATCH_SIZE);
        }

        broken.answer(204);

        Await.until("the recovered receiver catches up with every sealed event", Duration.ofSeconds(60),
                () -> hasAll(delivered(broken), "acme") && hasAll(delivered(broken), "globex"));
        assertThat(broken.received()).allSatisfy(r -> assertThat(r.signatureValid()).isTrue());
    }

    @Test
    void a_receiver_refusing_connections_for_a_while_gets_everything_in_order_once_it_listens_again() throws Exception {
        down.stop();
        double failuresBefore = failedAttempts("down-hook");
        traffic("acme", 25);
        traffic("globex", 15);
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
        Await.until("deliveries to the unreachable receiver fail and are retried", Duration.ofSeconds(30),
                () -> failedAttempts("down-hook") >= failuresBefore + 3);

        down.restart();

        var sealed = new LinkedHashMap<String, List<String>>();
        for (var tenant : List.of("acme", "globex")) {
            sealed.put(tenant, FileSets.sealed(server.postgres(), server.database(), tenant));
        }
        Await.until("the receiver has every sealed event of both tenants", Duration.ofSeconds(60),
                () -> Delivered.hasAll(Delivered.fromWebhook(down), sealed));
        Delivered.assertAtLeastOnceInOrder("down-hook", Delivered.fromWebhook(down), sealed);
    }

    private static double failedAttempts(String sink) {
        return server.timestore().registry().find("timestore.audit.delivery.failures").tag("sink", sink).counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }
}
