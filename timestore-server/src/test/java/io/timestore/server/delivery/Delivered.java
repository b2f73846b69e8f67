package io.timestore.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.delivery.kafka.KafkaBroker;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.WebhookReceiver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One audit record as a receiver got it, whatever the sink: the partition it came under (the Kafka
 * record key, the webhook's {@code timestore-partition} header), and the record's own
 * {@code tenant_id}, {@code event_id}, {@code seq} and bytes. {@link #assertAtLeastOnceInOrder}
 * checks what issue #17 promises after a fault, for any receiver.
 */
record Delivered(String partition, String tenantId, String eventId, long seq, String body) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every record of every request the receiver was sent, in the order received (retries included). */
    static List<Delivered> fromWebhook(WebhookReceiver receiver) {
        var records = new ArrayList<Delivered>();
        for (var received : receiver.received()) {
            assertThat(received.signatureValid()).as("every batch carries a valid Standard Webhooks signature").isTrue();
            for (var record : json(received.body())) {
                records.add(new Delivered(received.header("timestore-partition"), record.get("tenant_id").asText(),
                        record.get("event_id").asText(), record.get("seq").asLong(), record.toString()));
            }
        }
        return records;
    }

    /** Every Kafka record read, in log order per Kafka partition; {@code event_id} and {@code seq} from the headers. */
    static List<Delivered> fromKafka(List<ConsumerRecord<String, byte[]>> kafkaRecords) {
        return kafkaRecords.stream().map(record -> {
            var value = json(record.value());
            assertThat(value.get("event_id").asText()).as("the event_id header").isEqualTo(KafkaBroker.header(record, "event_id"));
            return new Delivered(record.key(), value.get("tenant_id").asText(), KafkaBroker.header(record, "event_id"),
                    Long.parseLong(KafkaBroker.header(record, "seq")), new String(record.value(), StandardCharsets.UTF_8));
        }).toList();
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The records by the partition they came under, each partition's in the order received. */
    static Map<String, List<Delivered>> byPartition(List<Delivered> records) {
        var byPartition = new LinkedHashMap<String, List<Delivered>>();
        records.forEach(r -> byPartition.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r));
        return byPartition;
    }

    /** The distinct event ids of {@code partition}'s records, in the order they first arrived. */
    static List<String> distinctIds(List<Delivered> records, String partition) {
        return byPartition(records).getOrDefault(partition, List.of()).stream().map(Delivered::eventId).distinct().toList();
    }

    /** Whether every sealed event of every partition in {@code sealed} has arrived (at least once). */
    static boolean hasAll(List<Delivered> records, Map<String, List<String>> sealed) {
        return sealed.entrySet().stream().allMatch(e -> !e.getValue().isEmpty()
                && distinctIds(records, e.getKey()).containsAll(e.getValue()));
    }

    /**
     * What a consumer is promised after any fault (docs/audit-delivery.md, "Guarantees"): every sealed
     * event of every partition arrived at least once; a duplicate is the same event (same
     * {@code event_id} for the same {@code seq}, same bytes); once duplicates are dropped a partition's
     * events are in {@code seq} order with no gap (first arrivals begin with the sealed ids in seq order);
     * and no record came under another tenant's partition.
     *
     * @param sealed each partition's sealed event ids in seq order
     */
    static void assertAtLeastOnceInOrder(String receiver, List<Delivered> records, Map<String, List<String>> sealed) {
        assertThat(records).as("%s: every record under its own tenant's partition", receiver)
                .allSatisfy(r -> assertThat(r.tenantId()).isEqualTo(r.partition()));
        var received = byPartition(records);
        for (var entry : sealed.entrySet()) {
            var partition = entry.getKey();
            var ofPartition = received.getOrDefault(partition, List.of());
            var firstBySeq = new TreeMap<Long, Delivered>();
            for (var record : ofPartition) {
                var first = firstBySeq.putIfAbsent(record.seq(), record);
                if (first != null) {
                    assertThat(record).as("%s: a duplicate of %s seq %d is the same event, byte for byte", receiver, partition,
                            record.seq()).isEqualTo(first);
                }
            }
            var firstArrivals = ofPartition.stream().map(Delivered::eventId).distinct().toList();
            assertThat(firstArrivals).as("%s: %s's events once duplicates are dropped: every sealed one, in seq order, no gap "
                    + "(events sealed later may follow)", receiver, partition).startsWith(entry.getValue().toArray(String[]::new));
            assertThat(ofPartition.stream().map(Delivered::seq).distinct().toList()).as("%s: %s's seqs in order of first arrival",
                    receiver, partition).isSorted().hasSameSizeAs(firstArrivals);
        }
    }

    /** A tenant's sealed event ids in seq order, read through the audit API as its auditor (newest first, paged). */
    static List<String> sealedIds(Api api, String auditor) {
        var bySeq = new TreeMap<Long, String>();
        String cursor = null;
        do {
            var page = api.get("/api/audit/v1alpha1/events?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor), "Authorization", auditor);
            if (page.statusCode() != 200) {
                return List.of();
            }
            page.json().get("items").forEach(e -> {
                if (e.hasNonNull("seq")) {
                    bySeq.put(e.get("seq").asLong(), e.get("event_id").asText());
                }
            });
            cursor = page.json().has("next_cursor") ? page.json().get("next_cursor").asText() : null;
        } while (cursor != null);
        return List.copyOf(bySeq.values());
    }
}
