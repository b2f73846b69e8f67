package io.timestore.server.delivery.kafka;

import io.timestore.audit.delivery.format.EventEncoder;
import io.timestore.server.config.Durations;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.delivery.SinkEntry;
import io.timestore.server.delivery.webhook.WebhookSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A Kafka sink from configuration ({@code type: kafka}, docs/configuration.md):
 *
 * <pre>
 * - name: bus
 *   type: kafka
 *   bootstrap-servers: kafka-1:9093,kafka-2:9093
 *   topic: timestore.audit
 *   format: timestore            # timestore (default) | ocsf
 *   cloudevents: false
 *   delivery-timeout: 30s        # how long one batch may wait for its acknowledgement; default 30s
 *   batches-in-flight: 4         # batches of one tenant sent before the first is acknowledged; 1-16, default 4
 *   properties:                  # passed to the producer as they are (TLS, SASL, compression, ...)
 *     security.protocol: SASL_SSL
 *     sasl.mechanism: SCRAM-SHA-512
 *     sasl.jaas.config: org.apache.kafka.common.security.scram.ScramLoginModule required username="ts" password="...";
 * </pre>
 *
 * The sink always sets idempotence on, {@code acks=all} and byte-array serializers; a property that
 * contradicts them is refused. {@link #toString()} and {@link #printableProperties()} mask every value
 * whose name suggests a secret (password, jaas, secret, token, key material).
 */
public record KafkaSettings(String name, String bootstrapServers, String topic, EventEncoder encoder, Duration deliveryTimeout,
                            int batchesInFlight, Map<String, String> properties) {
    static final Set<String> KEYS = Set.of("name", "type", "bootstrap-servers", "topic", "format", "cloudevents",
            "cloudevents-source", "delivery-timeout", "batches-in-flight", "properties");
    static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Batches of one partition sent before the first is acknowledged (docs/audit-delivery.md, "Kafka
     * sink"): with one, every batch waited a broker round trip and the broker's append before the
     * next was even sent.
     */
    static final int DEFAULT_BATCHES_IN_FLIGHT = 4;
    static final int MAX_BATCHES_IN_FLIGHT = 16;
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    /** Set by the sink; configuration may repeat them with the same value only. */
    static final Map<String, String> FIXED = Map.of("enable.idempotence", "true", "acks", "all");
    /** Set by the sink from other settings: not accepted under {@code properties}. */
    private static final Set<String> OWNED = Set.of("bootstrap.servers", "key.serializer", "value.serializer",
            "delivery.timeout.ms", "max.block.ms");
    private static final Pattern SECRET_NAME = Pattern.compile(".*(password|jaas|secret|token|credential|\\.key$|keystore\\.key|truststore\\.certificates|keystore\\.certificate\\.chain).*");

    public KafkaSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(deliveryTimeout, "deliveryTimeout");
        if (batchesInFlight < 1 || batchesInFlight > MAX_BATCHES_IN_FLIGHT) {
            throw new IllegalArgumentException("batchesInFlight must be 1-%d (found %d)".formatted(MAX_BATCHES_IN_FLIGHT, batchesInFlight));
        }
        properties = Map.copyOf(properties);
    }

    /**
     * Parses and checks one sink entry.
     *
     * @throws InvalidSettings naming the exact setting, e.g. {@code audit.delivery.sinks[2].topic: missing}
     */
    public static KafkaSettings parse(SinkEntry entry) {
        entry.allowOnly(KEYS);
        var name = entry.string("name");
        var servers = entry.string("bootstrap-servers");
        var topic = entry.string("topic");
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new InvalidSettings(entry.keyOf("topic"), "must be 1-249 of a-z A-Z 0-9 . _ - (found \"%s\")".formatted(topic));
        }
        var encoder = WebhookSettings.encoder(entry);
        var timeout = entry.duration("delivery-timeout", DEFAULT_DELIVERY_TIMEOUT, Duration.ofSeconds(1), Duration.ofMinutes(10));
        int inFlight = entry.integer("batches-in-flight", DEFAULT_BATCHES_IN_FLIGHT, 1, MAX_BATCHES_IN_FLIGHT);
        var properties = new LinkedHashMap<String, String>();
        entry.textMap("properties").forEach((property, value) -> {
            var key = entry.keyOf("properties") + "." + property;
            if (OWNED.contains(property)) {
                throw new InvalidSettings(key, "is set by the sink (use bootstrap-servers or delivery-timeout)");
            }
            var fixed = FIXED.get(property);
            if (fixed != null && !fixed.equals(value.toLowerCase(Locale.ROOT))) {
                throw new InvalidSettings(key, "must be %s: the sink relies on it for order and durability".formatted(fixed));
            }
            properties.put(property, value);
        });
        return new KafkaSettings(name, servers, topic, encoder, timeout, inFlight, properties);
    }

    /** Whether a property's value must never be printed. */
    static boolean isSecret(String property) {
        return SECRET_NAME.matcher(property.toLowerCase(Locale.ROOT)).matches();
    }

    /** The pass-through properties with secret values shown as {@code ****}. */
    public Map<String, String> printableProperties() {
        var printable = new TreeMap<String, String>();
        properties.forEach((k, v) -> printable.put(k, isSecret(k) ? "****" : v));
        return printable;
    }

    @Override
    public String toString() {
        return "KafkaSettings[name=%s, bootstrap-servers=%s, topic=%s, format=%s, delivery-timeout=%s, batches-in-flight=%d, properties=%s]".formatted(
                name, bootstrapServers, topic, encoder.label(), Durations.format(deliveryTimeout), batchesInFlight, printableProperties());
    }
}
