package io.timestore.server.delivery;

import io.timestore.audit.delivery.DeliverySink;
import io.timestore.audit.delivery.DeliveryTarget;
import io.timestore.audit.delivery.format.EventEncoder;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.SinkSettings;
import io.timestore.server.delivery.file.FileSinks;
import io.timestore.server.delivery.kafka.KafkaSink;
import io.timestore.server.delivery.webhook.WebhookSettings;
import io.timestore.server.delivery.webhook.WebhookSink;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the platform sinks of {@code audit.delivery.sinks}, dispatching on each entry's
 * {@code type}. A type is one {@link SinkType} registered in {@link #standard}; an unknown type, a
 * missing or bad option stops startup ({@link InvalidSettings}, exit 2) naming the setting.
 *
 * <p>Options every type shares: {@code start} ({@code earliest}, the default, or {@code latest}:
 * where a sink the loop has never fed begins) and, for types that write events as bytes,
 * {@code format} ({@link #encoder}).
 */
public final class SinkFactory {
    /** Options the factory itself reads; a type adds its own. */
    public static final Set<String> COMMON_OPTIONS = Set.of("start");

    /** One kind of sink: reads its options (refusing unknown ones) and builds the sink. */
    @FunctionalInterface
    public interface SinkType {
        DeliverySink create(SinkEntry entry, Context context);
    }

    /**
     * What a sink type may need from the server.
     *
     * @param dataDir the server's data directory (relative paths resolve against it)
     * @param clock   the server's clock
     */
    public record Context(Path dataDir, InstantSource clock) {
        public Context {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(clock, "clock");
        }
    }

    private final Map<String, SinkType> types;

    public SinkFactory(Map<String, SinkType> types) {
        this.types = new TreeMap<>(types);
    }

    /** The sink types this build knows. */
    public static SinkFactory standard() {
        return new SinkFactory(Map.of(
                "file", FileSinks::create,
                "webhook", (entry, context) -> WebhookSink.fromEntry(entry.entry(), entry.key(), context.clock()),
                "kafka", (entry, context) -> KafkaSink.fromEntry(entry.entry(), entry.key())));
    }

    /**
     * The encoder named by the sink's {@code format} ({@code timestore}, the default: the stored event
     * JSON with its seal members, as the audit API returns it, so chains can be re-verified
     * downstream; or {@code ocsf}), {@code cloudevents} and {@code cloudevents-source} options
     * (docs/audit-delivery.md, "Formats"), the same options for every sink type.
     */
    public static EventEncoder encoder(SinkEntry entry) {
        return WebhookSettings.encoder(entry);
    }

    /** Every configured sink as a target of all partitions. Closes what it built if a later entry is bad. */
    public List<DeliveryTarget> create(List<SinkSettings> sinks, Context context) {
        var targets = new ArrayList<DeliveryTarget>();
        try {
            for (var settings : sinks) {
                var type = types.get(settings.type());
                if (type == null) {
                    throw settings.invalid("type", "unknown sink type '%s' (known: %s)".formatted(settings.type(), types.keySet()));
                }
                var entry = SinkEntry.of(settings);
                var start = switch (entry.oneOf("start", "earliest", Set.of("earliest", "latest"))) {
                    case "latest" -> DeliveryTarget.Start.LATEST;
                    default -> DeliveryTarget.Start.EARLIEST;
                };
                targets.add(DeliveryTarget.allPartitions(type.create(entry.without(COMMON_OPTIONS), context)).startingAt(start));
            }
        } catch (RuntimeException e) {
            close(targets);
            throw e;
        }
        return List.copyOf(targets);
    }

    /** Closes the sinks that hold resources (files, producers, clients). */
    public static void close(List<DeliveryTarget> targets) {
        for (var target : targets) {
            if (target.sink() instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // Closing at shutdown: every acknowledged batch is durable already.
                }
            }
        }
    }
}
