package io.timestore.server.delivery.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.Details;
import io.timestore.audit.delivery.DeliveryFailed;
import io.timestore.audit.delivery.DeliverySink.Acknowledgement;
import io.timestore.server.delivery.SealedEvents;
import io.timestore.server.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kafka sink against a real KRaft broker in the test JVM (KafkaClusterTestKit), read back with a
 * real KafkaConsumer (docs/audit-delivery.md, "Kafka sink"). Over 400 lines because every rule of
 * the sink is checked here against the one broker the class starts (a broker costs seconds to start).
 */
class KafkaSinkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static KafkaBroker kafka;
    private final List<KafkaSink> sinks = new ArrayList<>();

    @BeforeAll
    static void startBroker() {
        kafka = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @AfterEach
    void closeSinks() {
        sinks.forEach(KafkaSink::close);
    }

    private static String newTopic() {
        return kafka.newTopic("audit", 3);
    }

    private Map<String, Object> entry(String topic) {
        var entry = new HashMap<String, Object>();
        entry.put("name", "bus");
        entry.put("type", "kafka");
        entry.put("bootstrap-servers", kafka.bootstrapServers());
        entry.put("topic", topic);
        entry.put("delivery-timeout", "4s");
        entry.put("properties", Map.of("retry.backoff.ms", 100, "reconnect.backoff.max.ms", 200));
        return entry;
    }

    private KafkaSink sink(Map<String, Object> entry) {
        var sink = KafkaSink.fromEntry(entry, "audit.delivery.sinks[2]");
        sinks.add(sink);
        return sink;
    }

    @Test
    void each_record_is_keyed_by_tenant_with_event_id_seq_and_format_headers_and_one_tenant_keeps_its_order() throws Exception {
        var topic = newTopic();
        var sink = sink(entry(topic));
        var acme = SealedEvents.of("acme", 5);
        var globex = SealedEvents.of("globex", 2);

        sink.deliver("acme", acme.subList(0, 3));
        sink.deliver("globex", globex);
        sink.deliver("acme", acme.subList(3, 5));

        var records = consume(topic, 7);
        assertThat(records).hasSize(7);
        for (var record : records) {
            var value = JSON.readTree(record.value());
            assertThat(value.get("tenant_id").asText()).isEqualTo(record.key());
            assertThat(header(record, "event_id")).isEqualTo(value.get("event_id").asText());
            assertThat(header(record, "seq")).isEqualTo(value.get("seq").asText());
            assertThat(header(record, "format")).isEqualTo("timestore");
        }
        assertThat(seqsOf(records, "acme")).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(seqsOf(records, "globex")).containsExactly(1L, 2L);
        assertThat(records.stream().filter(r -> r.key().equals("acme")).map(ConsumerRecord::partition).distinct()).hasSize(1);
        assertThat(eventIdsOf(records, "acme")).containsExactlyElementsOf(acme.stream().map(e -> e.eventId().toString()).toList());
    }

    @Test
    void ocsf_in_cloudevents_is_named_in_the_format_header() throws Exception {
        var topic = newTopic();
        var entry = entry(topic);
        entry.put("format", "ocsf");
        entry.put("cloudevents", true);

        sink(entry).deliver("acme", SealedEvents.of("acme", 1));

        var record = consume(topic, 1).getFirst();
        assertThat(header(record, "format")).isEqualTo("ocsf+cloudevents");
        assertThat(JSON.readTree(record.value()).at("/data/class_uid").asInt()).isEqualTo(6003);
    }

    @Test
    void while_the_broker_is_down_delivery_fails_retryably_and_after_its_restart_the_batch_goes_through() throws Exception {
        var topic = newTopic();
        var sink = sink(entry(topic));
        var events = SealedEvents.of("acme", 4);
        sink.deliver("acme", events.subList(0, 2));

        kafka.stopBroker();
        DeliveryFailed failure = null;
        try {
            sink.deliver("acme", events.subList(2, 4));
        } catch (DeliveryFailed e) {
            failure = e;
        }
        kafka.restartBroker();
        Await.until("the batch is acknowledged after the restart", Duration.ofSeconds(60), () -> {
            try {
                sink.deliver("acme", events.subList(2, 4));
                return true;
            } catch (DeliveryFailed e) {
                assertThat(e.retryable()).isTrue();
                return false;
            }
        });

        assertThat(failure).isNotNull();
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.getMessage()).startsWith("kafka sink bus: topic " + topic + ": ");
        var records = consume(topic, 4);
        // At least once: a record of the failed attempt may have reached the log; duplicates carry the same event_id.
        assertThat(eventIdsOf(records, "acme").stream().distinct().toList())
                .containsExactlyElementsOf(events.stream().map(e -> e.eventId().toString()).toList());
    }

    /**
     * Batches in flight keep the prefix rule (docs/audit-delivery.md, "Kafka sink"): four batches are
     * sent before the first is acknowledged, and the broker refuses one record of the second (larger
     * than the topic's {@code max.message.bytes}). The idempotent producer would renumber the records
     * behind a record that is certainly not written and send them on; the sink ends that producer at
     * the failure instead, so the topic holds a gap-free prefix, the later batches fail too, and sent
     * again (here after the topic accepts the record) they complete the tenant's stream in order: in
     * log order no record comes before one with a lower seq that the log does not have yet.
     */
    @Test
    void when_a_batch_in_flight_fails_no_record_sent_after_it_reaches_the_topic_and_the_resend_completes_it_in_order()
            throws Exception {
        var topic = kafka.newTopic("audit-refusing", 1, Map.of("max.message.bytes", Integer.toString(600 * 1024)));
        var entry = entry(topic);
        entry.put("properties", Map.of("retry.backoff.ms", 100, "max.request.size", 4 * 1024 * 1024));
        var sink = sink(entry);
        assertThat(sink.batchesInFlight()).isEqualTo(4);
        var blob = "x".repeat(800 * 1024);
        var events = SealedEvents.of("acme", 40, i -> i == 15 ? Details.of(JSON.createObjectNode().put("blob", blob)) : Details.empty());
        var batches = List.of(events.subList(0, 10), events.subList(10, 20), events.subList(20, 30), events.subList(30, 40));

        var acknowledgements = batches.stream().map(batch -> sink.send("acme", batch)).toList();

        acknowledgements.getFirst().await();
        for (var later : acknowledgements.subList(1, 4)) {
            assertThatThrownBy(later::await).isInstanceOfSatisfying(DeliveryFailed.class, e -> assertThat(e.retryable()).isTrue());
        }
        List<Long> held;
        try (var reader = kafka.reader(topic)) {
            held = seqsOf(reader.readToEnd(), "acme");
        }
        assertThat(held).as("what the topic holds after the failure").isNotEmpty().doesNotContain(16L)
                .containsExactlyElementsOf(events.subList(0, held.size()).stream().map(e -> e.seal().seq()).toList());

        kafka.setTopicConfig(topic, "max.message.bytes", Integer.toString(2 * 1024 * 1024));
        Await.until("the resent batches are acknowledged", Duration.ofSeconds(60), () -> {
            try {
                batches.subList(1, 4).stream().map(batch -> sink.send("acme", batch)).toList().forEach(Acknowledgement::await);
                return true;
            } catch (DeliveryFailed e) {
                return false; // the broker may apply the new limit a moment later
            }
        });

        var log = seqsOf(consume(topic, 40), "acme");
        long highest = 0;
        for (long seq : log) {
            assertThat(seq).as("log %s: no seq before a lower one is there", log).isLessThanOrEqualTo(highest + 1);
            highest = Math.max(highest, seq);
        }
        assertThat(log.stream().distinct().sorted().toList()).hasSize(40).containsExactlyElementsOf(
                events.stream().map(e -> e.seal().seq()).toList());
    }

    /**
     * The loop learns of a failed batch only when it awaits it, and may meanwhile send the batches
     * behind it: a new producer opened for those would write them ahead of the failed records. So
     * while a batch sent with the failed producer is unsettled, a send is refused; once all are
     * settled, the next send opens a new producer.
     */
    @Test
    void after_a_record_failed_no_new_producer_writes_while_a_batch_sent_before_the_failure_is_unsettled() throws Exception {
        var topic = kafka.newTopic("audit-refusing-unsettled", 1, Map.of("max.message.bytes", Integer.toString(600 * 1024)));
        var entry = entry(topic);
        entry.put("properties", Map.of("retry.backoff.ms", 100, "max.request.size", 4 * 1024 * 1024));
        var sink = sink(entry);
        var blob = "x".repeat(800 * 1024);
        var events = SealedEvents.of("acme", 30, i -> i == 15 ? Details.of(JSON.createObjectNode().put("blob", blob)) : Details.empty());
        var first = sink.send("acme", events.subList(0, 10));
        // The producer fails at seq 16 (`first` is unsettled); the broker's refusal can end the producer while the
        // rest of the batch is still being handed over, and then send itself fails instead of the acknowledgement.
        assertThatThrownBy(() -> sink.send("acme", events.subList(10, 20)).await()).isInstanceOf(DeliveryFailed.class);

        assertThatThrownBy(() -> sink.send("acme", events.subList(20, 30)))
                .isInstanceOfSatisfying(DeliveryFailed.class, e -> assertThat(e.retryable()).isTrue());
        try (var reader = kafka.reader(topic)) {
            assertThat(seqsOf(reader.readToEnd(), "acme")).as("nothing of the third batch was written")
                    .allSatisfy(seq -> assertThat(seq).isLessThanOrEqualTo(events.get(19).seal().seq()));
        }

        try {
            first.await();
        } catch (DeliveryFailed closedWithItsProducer) {
            // Its outcome does not matter here: it is settled either way.
        }
        sink.send("acme", events.subList(20, 30)).await();
    }

    /**
     * The broker checks a producer's sequence numbers only once it knows the producer in a Kafka
     * partition: the first batch of a producer it has no state for is taken whatever its number, so a
     * first batch that fails retryably while the next is on its way can be overtaken by it
     * (docs/audit-delivery.md, "Kafka sink"). So a tenant's first record on a new producer is sent
     * alone and acknowledged before the rest of that tenant's records follow: in the broker's log it
     * is a record batch of its own, for every tenant on every producer (the sink's first one, and the
     * one opened after a failure), while the records of a tenant the producer already wrote go
     * together. The producer lingers far longer than the test, so it sends only what the sink flushes:
     * without the rule each delivery would be one record batch, its first record included.
     */
    @Test
    void a_tenants_first_record_on_a_new_producer_is_a_record_batch_of_its_own_in_the_log() throws Exception {
        var topic = kafka.newTopic("audit-alone", 1, Map.of("max.message.bytes", Integer.toString(600 * 1024)));
        var entry = entry(topic);
        // linger.ms + request.timeout.ms (30 s) must stay within delivery.timeout.ms.
        entry.put("delivery-timeout", "10m");
        entry.put("properties", Map.of("retry.backoff.ms", 100, "linger.ms", 300_000, "max.request.size", 4 * 1024 * 1024));
        var sink = sink(entry);
        var blob = "x".repeat(800 * 1024);
        var acme = SealedEvents.of("acme", 30, i -> i == 20 ? Details.of(JSON.createObjectNode().put("blob", blob)) : Details.empty());
        var globex = SealedEvents.of("globex", 10);

        sink.deliver("acme", acme.subList(0, 10));
        sink.deliver("globex", globex.subList(0, 5));
        sink.deliver("acme", acme.subList(10, 20));
        // Seq 21 is larger than the topic takes: the producer fails and ends, the next delivery opens a new one.
        assertThatThrownBy(() -> sink.deliver("acme", acme.subList(20, 30))).isInstanceOf(DeliveryFailed.class);
        kafka.setTopicConfig(topic, "max.message.bytes", Integer.toString(2 * 1024 * 1024));
        Await.until("a new producer delivers the refused batch", Duration.ofSeconds(60), () -> {
            try {
                sink.deliver("acme", acme.subList(20, 30));
                return true;
            } catch (DeliveryFailed e) {
                return false; // the broker may apply the new limit a moment later (each attempt on a new producer)
            }
        });
        sink.deliver("globex", globex.subList(5, 10));

        var byProducer = new LinkedHashMap<Long, List<KafkaBroker.LogBatch>>();
        kafka.logBatches(topic, 0).forEach(batch -> byProducer.computeIfAbsent(batch.producerId(), p -> new ArrayList<>()).add(batch));
        assertThat(byProducer).as("producers that wrote to the topic").hasSizeGreaterThanOrEqualTo(2);
        byProducer.forEach((producerId, batches) -> {
            var seen = new HashSet<String>();
            for (var batch : batches) {
                for (var key : batch.keys()) {
                    if (seen.add(key)) {
                        assertThat(batch.keys()).as("producer %d, log %s: the record batch of %s's first record", producerId, batches, key)
                                .containsExactly(key);
                    }
                }
            }
        });
        assertThat(byProducer.values().iterator().next()).as("the first producer's record batches: a delivery to a tenant it "
                + "already wrote is one batch").anySatisfy(batch -> assertThat(batch.keys()).hasSize(10).containsOnly("acme"));
    }

    /**
     * A producer that gets no metadata blocks in {@code send} for {@code max.block.ms} and then fails
     * that record; sending the rest of the batch regardless made one attempt last batch size times the
     * delivery timeout. Nothing listens on the bootstrap port here, so the first record already fails.
     */
    @Test
    void an_attempt_that_gets_no_metadata_stops_at_its_first_failed_record_instead_of_sending_the_whole_batch() throws Exception {
        var entry = entry("audit-nobody-listens");
        entry.put("bootstrap-servers", "127.0.0.1:" + closedPort());
        entry.put("delivery-timeout", "1s");
        var sink = sink(entry);

        assertThatThrownBy(() -> sink.deliver("acme", SealedEvents.of("acme", 5)))
                .isInstanceOfSatisfying(DeliveryFailed.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageStartingWith("kafka sink bus: topic audit-nobody-listens: ");

        assertThat(sink.recordsHandedToProducer()).as("records of the 5-event batch handed to the producer").isEqualTo(1);
    }

    /** A loopback port that nothing listens on (bound once to find a free one, then closed). */
    private static int closedPort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void bad_entries_name_the_exact_setting_and_secret_properties_are_masked() {
        var noTopic = entry("t");
        noTopic.remove("topic");
        var badTopic = entry("no spaces");
        var acks = entry("t");
        acks.put("properties", Map.of("acks", "1"));
        var owned = entry("t");
        owned.put("properties", Map.of("value.serializer", "x"));
        var noServers = entry("t");
        noServers.remove("bootstrap-servers");
        var noneInFlight = entry("t");
        noneInFlight.put("batches-in-flight", 0);
        var wordInFlight = entry("t");
        wordInFlight.put("batches-in-flight", "many");
        var secret = entry("t");
        var properties = new LinkedHashMap<String, Object>();
        properties.put("security.protocol", "SASL_SSL");
        properties.put("sasl.jaas.config", "ScramLoginModule required username=\"ts\" password=\"hunter2\";");
        properties.put("ssl.truststore.password", "changeit");
        properties.put("ssl.key.password", "sesame");
        secret.put("properties", properties);

        assertThatThrownBy(() -> sink(noTopic)).hasMessage("invalid configuration: audit.delivery.sinks[2].topic: a value is required for a kafka sink");
        assertThatThrownBy(() -> sink(noServers)).hasMessage("invalid configuration: audit.delivery.sinks[2].bootstrap-servers: a value is required for a kafka sink");
        assertThatThrownBy(() -> sink(noneInFlight)).hasMessage(
                "invalid configuration: audit.delivery.sinks[2].batches-in-flight: must be between 1 and 16 (found 0)");
        assertThatThrownBy(() -> sink(wordInFlight)).hasMessage(
                "invalid configuration: audit.delivery.sinks[2].batches-in-flight: 'many' must be a whole number");
        assertThatThrownBy(() -> sink(badTopic)).hasMessage(
                "invalid configuration: audit.delivery.sinks[2].topic: must be 1-249 of a-z A-Z 0-9 . _ - (found \"no spaces\")");
        assertThatThrownBy(() -> sink(acks)).hasMessage("invalid configuration: audit.delivery.sinks[2].properties.acks: "
                + "must be all: the sink relies on it for order and durability");
        assertThatThrownBy(() -> sink(owned)).hasMessageStartingWith(
                "invalid configuration: audit.delivery.sinks[2].properties.value.serializer: is set by the sink");
        var printed = KafkaSettings.parse(new io.timestore.server.delivery.SinkEntry("k", secret)).toString();
        assertThat(printed).contains("security.protocol=SASL_SSL").contains("sasl.jaas.config=****")
                .doesNotContain("hunter2").doesNotContain("changeit").doesNotContain("sesame");
    }

    @Test
    void the_producer_always_runs_idempotent_with_acks_all() {
        var settings = KafkaSettings.parse(new io.timestore.server.delivery.SinkEntry("k", entry("t")));

        var config = KafkaSink.producerConfig(settings);

        assertThat(config).containsEntry("enable.idempotence", "true").containsEntry("acks", "all")
                .containsEntry("delivery.timeout.ms", 4000).containsEntry("client.id", "timestore-audit-bus");
    }

    /** A whole delivery goes to one Kafka partition: hundreds of records per produce request, not the client's 16 KiB. */
    @Test
    void the_producer_batches_half_a_mebibyte_per_request_unless_properties_say_otherwise() {
        var tuned = entry("t");
        tuned.put("properties", Map.of("batch.size", 65536));

        assertThat(KafkaSink.producerConfig(KafkaSettings.parse(new io.timestore.server.delivery.SinkEntry("k", entry("t")))))
                .containsEntry("batch.size", 512 * 1024).containsEntry("linger.ms", 5);
        assertThat(KafkaSink.producerConfig(KafkaSettings.parse(new io.timestore.server.delivery.SinkEntry("k", tuned))))
                .containsEntry("batch.size", "65536");
    }

    private static List<ConsumerRecord<String, byte[]>> consume(String topic, int atLeast) {
        var records = new ArrayList<ConsumerRecord<String, byte[]>>();
        try (var reader = kafka.reader(topic)) {
            Await.until("%d records on %s".formatted(atLeast, topic), Duration.ofSeconds(30), () -> {
                records.clear();
                records.addAll(reader.poll());
                return records.size() >= atLeast;
            });
            records.clear();
            records.addAll(reader.poll());
        }
        return records;
    }

    private static List<Long> seqsOf(List<ConsumerRecord<String, byte[]>> records, String tenant) {
        return records.stream().filter(r -> r.key().equals(tenant)).map(r -> Long.parseLong(header(r, "seq"))).toList();
    }

    private static List<String> eventIdsOf(List<ConsumerRecord<String, byte[]>> records, String tenant) {
        return records.stream().filter(r -> r.key().equals(tenant)).map(r -> header(r, "event_id")).toList();
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return KafkaBroker.header(record, name);
    }
}
