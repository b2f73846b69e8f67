package io.timestore.server.delivery;

import io.timestore.audit.delivery.DeliveryStore;
import io.timestore.server.config.SinkSettings;
import io.timestore.server.db.Transactions;
import io.timestore.server.delivery.streams.AuditStreams;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * What audit delivery still needs of a partition, the one rule the server's scheduled purge and
 * {@code timestore audit purge} share (docs/audit-delivery.md, "Retention and sinks"): the last seq
 * that every sink receiving the partition has acknowledged. The sinks are the platform sinks of the
 * configuration (each receives every partition) and every stream the partition's tenant registered,
 * read from the database at each call, so the command line sees the same streams as the server,
 * and a paused stream (which resumes where it stopped) holds like a parked sink. Thread-safe.
 */
public final class RetentionHold {
    private final DeliveryStore store;
    private final List<String> platformSinks;
    private final Transactions transactions;

    /** @param platformSinks the configured platform sinks ({@code audit.delivery.sinks}) */
    public RetentionHold(DeliveryStore store, List<SinkSettings> platformSinks, Transactions transactions) {
        this.store = store;
        this.platformSinks = platformSinks.stream().map(SinkSettings::name).toList();
        this.transactions = transactions;
    }

    /** The last seq of {@code partition} every receiving sink has acknowledged; empty when no sink receives it. */
    public OptionalLong deliveredThrough(String partition) {
        var sinks = new ArrayList<>(platformSinks);
        sinks.addAll(AuditStreams.sinkNames(transactions, partition));
        return store.deliveredByAll(partition, sinks);
    }
}
