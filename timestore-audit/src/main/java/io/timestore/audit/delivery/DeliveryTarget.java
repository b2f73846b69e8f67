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
 * @param start         where a sink that has no cursor yet begins (see {@link Start})
 */
public record DeliveryTarget(DeliverySink sink, Optional<String> onlyPartition, Start start) {
    /**
     * Where a sink the delivery loop has never fed begins. The sink's start (the creation of its
     * first cursor, or the loop's first round for it while it has none) decides: events sealed
     * before it are skipped, everything sealed afterwards is delivered (a partition that appears
     * later from its beginning), and an existing cursor is never moved.
     */
    public enum Start {
        /** From the oldest event still retained in each partition (the default): the sink gets the whole history. */
        EARLIEST,
        /** After each partition's last event sealed before the sink started: only what is sealed afterwards. */
        LATEST
    }

    public DeliveryTarget {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(onlyPartition, "onlyPartition");
        Objects.requireNonNull(start, "start");
    }

    /** A target that starts from the earliest retained event. */
    public DeliveryTarget(DeliverySink sink, Optional<String> onlyPartition) {
        this(sink, onlyPartition, Start.EARLIEST);
    }

    /** This target, beginning at {@code where} if its sink has no cursor yet. */
    public DeliveryTarget startingAt(Start where) {
        return new DeliveryTarget(sink, onlyPartition, where);
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
