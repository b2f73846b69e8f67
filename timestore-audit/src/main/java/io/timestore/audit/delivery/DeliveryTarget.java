package io.timestore.audit.delivery;

import java.util.Objects;
import java.util.Optional;

/**
 * One sink and the partitions it receives: every partition (a platform sink from configuration),
 * or exactly one tenant (a tenant's own audit stream). The delivery loop keeps one durable cursor
 * per (sink name, partition) it feeds.
 *
 * @param sink          the exporter; its {@link DeliverySink#name()} keys the cursors
 * @param onlyPartition empty for all partitions, else the single tenant whose events it receives
 */
public record DeliveryTarget(DeliverySink sink, Optional<String> onlyPartition) {
    public DeliveryTarget {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(onlyPartition, "onlyPartition");
    }

    /** A sink that receives every partition. */
    public static DeliveryTarget allPartitions(DeliverySink sink) {
        return new DeliveryTarget(sink, Optional.empty());
    }

    /** A sink that receives only {@code partition}'s events. */
    public static DeliveryTarget onePartition(DeliverySink sink, String partition) {
        return new DeliveryTarget(sink, Optional.of(partition));
    }

    /** Whether this target receives {@code partition}'s events. */
    public boolean receives(String partition) {
        return onlyPartition.map(partition::equals).orElse(true);
    }
}
