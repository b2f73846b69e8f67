package io.timestore.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Audit delivery (docs/audit-delivery.md): the platform sinks from the configuration file, how
 * the delivery loop paces itself, and the size of its own connection pool.
 *
 * @param batchSize    most events handed to a sink at once ({@code audit.delivery.batch-size})
 * @param pollInterval how often an idle sink looks for newly sealed events
 * @param backoffMin   the pause after a first failed attempt
 * @param backoffMax   the longest pause between attempts
 * @param maxHold      how long past its retention an event a sink has not delivered is kept at most;
 *                     empty: until it is delivered
 * @param poolSize     the most connections of the delivery pool ({@code audit.delivery.pool-size},
 *                     {@link #MIN_POOL_SIZE} to {@link #MAX_POOL_SIZE}): the leader's lock connection
 *                     and every worker's statements (docs/scaling.md §5)
 * @param sinks        the platform sinks, each receiving every partition, in file order
 */
public record DeliverySettings(int batchSize, Duration pollInterval, Duration backoffMin, Duration backoffMax,
                               Optional<Duration> maxHold, int poolSize, List<SinkSettings> sinks) {
    /** How often an instance that does not deliver tries to take over (as the sequencer's standby does). */
    public static final Duration LEADER_RETRY = Duration.ofSeconds(5);
    /** The delivery pool's size unless {@code audit.delivery.pool-size} says otherwise. */
    public static final int DEFAULT_POOL_SIZE = 6;
    /** The leader holds one connection for its lock the whole time: with fewer than two no worker could ever read a batch. */
    public static final int MIN_POOL_SIZE = 2;
    /** As {@code database.pool-size}: beyond that PostgreSQL's own limits are reached first. */
    public static final int MAX_POOL_SIZE = 1000;

    public DeliverySettings {
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(backoffMin, "backoffMin");
        Objects.requireNonNull(backoffMax, "backoffMax");
        Objects.requireNonNull(maxHold, "maxHold");
        if (poolSize < MIN_POOL_SIZE || poolSize > MAX_POOL_SIZE) {
            throw new IllegalArgumentException("poolSize must be between %d and %d (found %d)"
                    .formatted(MIN_POOL_SIZE, MAX_POOL_SIZE, poolSize));
        }
        sinks = List.copyOf(sinks);
    }

    /** With the default pool size ({@link #DEFAULT_POOL_SIZE}). */
    public DeliverySettings(int batchSize, Duration pollInterval, Duration backoffMin, Duration backoffMax,
                            Optional<Duration> maxHold, List<SinkSettings> sinks) {
        this(batchSize, pollInterval, backoffMin, backoffMax, maxHold, DEFAULT_POOL_SIZE, sinks);
    }

    public DeliverySettings withSinks(List<SinkSettings> replacement) {
        return new DeliverySettings(batchSize, pollInterval, backoffMin, backoffMax, maxHold, poolSize, replacement);
    }

    public DeliverySettings withMaxHold(Optional<Duration> replacement) {
        return new DeliverySettings(batchSize, pollInterval, backoffMin, backoffMax, replacement, poolSize, sinks);
    }

    public DeliverySettings withPoolSize(int replacement) {
        return new DeliverySettings(batchSize, pollInterval, backoffMin, backoffMax, maxHold, replacement, sinks);
    }
}
