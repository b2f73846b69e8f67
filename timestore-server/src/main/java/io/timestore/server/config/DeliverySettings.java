package io.timestore.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Audit delivery (docs/audit-delivery.md): the platform sinks from the configuration file and how
 * the delivery loop paces itself.
 *
 * @param batchSize    most events handed to a sink at once ({@code audit.delivery.batch-size})
 * @param pollInterval how often an idle sink looks for newly sealed events
 * @param backoffMin   the pause after a first failed attempt
 * @param backoffMax   the longest pause between attempts
 * @param maxHold      how long past its retention an event a sink has not delivered is kept at most;
 *                     empty: until it is delivered
 * @param sinks        the platform sinks, each receiving every partition, in file order
 */
public record DeliverySettings(int batchSize, Duration pollInterval, Duration backoffMin, Duration backoffMax,
                               Optional<Duration> maxHold, List<SinkSettings> sinks) {
    /** How often an instance that does not deliver tries to take over (as the sequencer's standby does). */
    public static final Duration LEADER_RETRY = Duration.ofSeconds(5);

    public DeliverySettings {
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(backoffMin, "backoffMin");
        Objects.requireNonNull(backoffMax, "backoffMax");
        Objects.requireNonNull(maxHold, "maxHold");
        sinks = List.copyOf(sinks);
    }

    public DeliverySettings withSinks(List<SinkSettings> replacement) {
        return new DeliverySettings(batchSize, pollInterval, backoffMin, backoffMax, maxHold, replacement);
    }

    public DeliverySettings withMaxHold(Optional<Duration> replacement) {
        return new DeliverySettings(batchSize, pollInterval, backoffMin, backoffMax, replacement, sinks);
    }
}
