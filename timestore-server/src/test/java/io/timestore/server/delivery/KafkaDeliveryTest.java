package io.timestore.server.delivery;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import io.micrometer.core.instrument.Counter;
import io.timestore.server.config.SinkSettings;
import io.timestore.server.delivery.kafka.KafkaBroker;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #17, "broker stopped then restarted": a real server's delivery loop feeds a Kafka sink on a
 * real in-JVM broker while requests go on; the broker is shut down mid-stream and started again on
 * the same port. Requests never fail meanwhile (a stopped broker pauses only its sink), and a real
 * KafkaConsumer afterwards reads every sealed event of every tenant at least once, in seq order per
 * tenant, duplicates identical, each under its own tenant's key.
 */
class KafkaDeliveryTest {
    private static final List<String> TENANTS = List.of("acme", "globex");
    private static final KafkaBroker kafka = KafkaBroker.start();
    private static final String TOPIC = kafka.newTopic("audit-restart", 3);

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> FileSets.withSinks(s, Optional.empty(), kafkaSink(0, "bus", kafka, TOPIC)));

    /** A {@code kafka} sink entry as the configuration file would give it, retrying quickly. */
    static SinkSettings kafkaSink(int index, String name, KafkaBroker broker, String topic) {
        var options = new LinkedHashMap<String, JsonNode>();
        options.put("bootstrap-servers", TextNode.valueOf(broker.bootstrapServers()));
        options.put("topic", TextNode.valueOf(topic));
        options.put("delivery-timeout", TextNode.valueOf("4s"));
        options.put("properties", JsonNodeFactory.instance.objectNode().put("retry.backoff.ms", 100).put("reconnect.backoff.max.ms", 200));
        return new SinkSettings("audit.delivery.sinks[" + index + "]", name, "kafka", options);
    }

    @BeforeAll
    static void tenants() {
        TENANTS.forEach(server::tenant);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static double failedAttempts() {
        return server.timestore().registry().find("timestore.audit.delivery.failures").tag("sink", "bus").counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    @Test
    void a_broker_stopped_mid_stream_pauses_only_its_sink_and_after_its_restart_every_sealed_event_is_in_kafka_in_order()
            throws Exception {
        var served = new AtomicInteger();
        var failed = new ConcurrentHashMap<Integer, Integer>();
        var stop = new AtomicBoolean();
        try (var reader = kafka.reader(TOPIC)) {
            try (var load = Executors.newVirtualThreadPerTaskExecutor()) {
                for (var tenant : TENANTS) {
                    var token = bearer(server.tokens().user(tenant, "tenant-admin"));
                    load.submit(() -> {
                        while (!stop.get()) {
                            int status = server.api().get("/admin/v1/tokens?limit=1", token).statusCode();
                            if (status == 200) {
                                served.incrementAndGet();
                            } else {
                                failed.merge(status, 1, Integer::sum);
                            }
                        }
                    });
                }
                Await.until("both tenants' events are streaming into Kafka", Duration.ofSeconds(60), () -> TENANTS.stream()
                        .allMatch(t -> Delivered.distinctIds(Delivered.fromKafka(reader.poll()), t).size() >= 20));

                kafka.stopBroker();
                double failuresBefore = failedAttempts();
                int servedAtStop = served.get();
                Await.until("deliveries to the stopped broker fail while requests go on", Duration.ofSeconds(60),
                        () -> failedAttempts() > failuresBefore + 1 && served.get() > servedAtStop + 100);
                assertThat(server.timestore().delivery().store().cursors(Optional.of("bus")))
                        .as("the sink lags behind while its broker is down").anySatisfy(c -> assertThat(c.lagEvents()).isPositive());

                kafka.restartBroker();
                int servedAtRestart = served.get();
                Await.until("requests go on after the restart", Duration.ofSeconds(60), () -> served.get() > servedAtRestart + 50);
                stop.set(true);
            }
            server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);

            var sealed = new LinkedHashMap<String, List<String>>();
            TENANTS.forEach(t -> sealed.put(t, FileSets.sealed(server.postgres(), server.database(), t)));
            Await.until("every sealed event of both tenants is in Kafka", Duration.ofSeconds(90),
                    () -> Delivered.hasAll(Delivered.fromKafka(reader.poll()), sealed));

            assertThat(failed).as("requests answered other than 200 while the broker was down or back").isEmpty();
            Delivered.assertAtLeastOnceInOrder("kafka", Delivered.fromKafka(reader.poll()), sealed);
        }
    }

}
