package io.timestore.server.delivery;

import io.timestore.server.delivery.kafka.KafkaBroker;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.WebhookReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #17 across a crash, with two remote receivers at once: a real server process feeds a Kafka
 * sink (a real broker in the test JVM) and a webhook sink (a real HTTP receiver here that checks
 * the Standard Webhooks signature) under load, is killed with SIGKILL while both are mid-stream and
 * restarted on the same data directory. Afterwards each receiver has every sealed event of every
 * tenant at least once, in seq order per tenant once duplicates are dropped, duplicates identical
 * (same event_id, same bytes), and no record under another tenant's partition.
 */
class KafkaAndWebhookCrashTest {
    private static final List<String> TENANTS = List.of("acme", "globex");
    private static final KafkaBroker kafka = KafkaBroker.start();
    private static final String secret = WebhookReceiver.newSecret();
    private static final WebhookReceiver hook = WebhookReceiver.start(secret);

    @TempDir
    Path dataDir;

    @TempDir
    Path configDir;

    @AfterAll
    static void stopReceivers() {
        hook.close();
        kafka.close();
    }

    @Test
    void after_sigkill_mid_delivery_kafka_and_the_webhook_each_have_every_sealed_event_in_order_with_identical_duplicates()
            throws Exception {
        var topic = kafka.newTopic("audit-crash", 3);
        var config = Files.writeString(configDir.resolve("timestore.yaml"), """
                audit:
                  delivery:
                    batch-size: 20
                    backoff-min: 50ms
                    backoff-max: 500ms
                    sinks:
                      - name: bus
                        type: kafka
                        bootstrap-servers: '%s'
                        topic: '%s'
                        delivery-timeout: 4s
                        properties:
                          retry.backoff.ms: 100
                          reconnect.backoff.max.ms: 200
                      - name: hook
                        type: webhook
                        url: '%s'
                        secret: '%s'
                        allow-http: true
                        allow-private-addresses: true
                """.formatted(kafka.bootstrapServers(), topic, hook.url("127.0.0.1"), secret));
        var crash = new MidDeliveryCrash(dataDir, config, TENANTS);

        try (var reader = kafka.reader(topic)) {
            crash.killWhen("both sinks are being fed", () -> TENANTS.stream().allMatch(t ->
                    Delivered.distinctIds(Delivered.fromKafka(reader.poll()), t).size() >= 60
                            && Delivered.distinctIds(Delivered.fromWebhook(hook), t).size() >= 60));

            try (var second = crash.restart()) {
                var sealed = new AtomicReference<Map<String, List<String>>>(Map.of());
                Await.until("every sealed event of both tenants reached Kafka and the webhook", Duration.ofSeconds(120), () -> {
                    sealed.set(crash.sealed(second.api()));
                    return Delivered.hasAll(Delivered.fromKafka(reader.poll()), sealed.get())
                            && Delivered.hasAll(Delivered.fromWebhook(hook), sealed.get());
                });
                Delivered.assertAtLeastOnceInOrder("kafka", Delivered.fromKafka(reader.poll()), sealed.get());
                Delivered.assertAtLeastOnceInOrder("webhook", Delivered.fromWebhook(hook), sealed.get());
            }
        }
    }
}
