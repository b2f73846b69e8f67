package io.timestore.audit.delivery;

import io.timestore.audit.AuditEvent;
import java.util.List;

/**
 * An exporter of the sealed audit trail (a file, a webhook, Kafka, a SIEM): a copy fed from the
 * trail, never its owner. PostgreSQL, through {@link io.timestore.audit.store.EventStore}, stays the
 * system of record.
 *
 * <p>Contract between the {@link DeliveryLoop} (docs/audit-delivery.md) and an
 * implementation:
 * <ul>
 *   <li><b>Only sealed events.</b> Every event handed over is a {@link SealedEvent}, with its seal;
 *       unsealed events are never delivered.</li>
 *   <li><b>Order per partition.</b> A batch holds events of one partition ({@link SealedEvent#tenantId()},
 *       a tenant or {@link AuditEvent#PLATFORM_PARTITION}) in strictly increasing {@code seq}, and
 *       successive batches of a partition continue where the last acknowledged one ended. Nothing is
 *       promised about the order between partitions.</li>
 *   <li><b>Acknowledgement.</b> {@link #deliver} returning normally acknowledges the whole batch: the
 *       loop then advances its durable cursor past the batch's last {@code seq}. Throwing
 *       acknowledges nothing; the loop retries the same events later (after backoff) and does not
 *       move on to later events of that partition meanwhile.</li>
 *   <li><b>At-least-once.</b> After a crash or a failed acknowledgement a batch, or a prefix of it,
 *       is delivered again. Implementations and their consumers de-duplicate by
 *       {@link SealedEvent#eventId()}; a redelivered event is byte-for-byte the same event.</li>
 *   <li><b>Never on the request path.</b> Delivery runs on the delivery loop's own threads; a slow
 *       or failing sink delays only itself, never a request, the sequencer or another sink.</li>
 * </ul>
 *
 * <p>Implementations need not be thread-safe: the loop calls one sink (and awaits its
 * {@link Acknowledgement}s) from one thread at a time.
 * They must not hold on to the list after returning.
 */
public interface DeliverySink {
    /** The sink's configured name, stable across restarts: it keys the sink's durable cursors. */
    String name();

    /**
     * Delivers one batch and returns once the receiver has durably accepted all of it.
     *
     * @param partition the tenant id or {@link AuditEvent#PLATFORM_PARTITION}
     * @param batch     non-empty, sealed events of {@code partition} in increasing {@code seq}
     * @throws DeliveryFailed if the batch was not (or not certainly) accepted; the loop retries it
     */
    void deliver(String partition, List<SealedEvent> batch);

    /**
     * Whether the sink reads the events' members ({@link SealedEvent#event}), as a format that maps
     * them does (OCSF), rather than only their stored records ({@link SealedEvent#timestoreRecord}).
     * When true, the default, the loop parses every event as it reads the batch, so an event that
     * cannot be read parks the cursor before the sink sees the batch. When false, an event stored in
     * its writer's form is handed over unparsed: it was checked only for naming its own event and
     * partition, so a row rewritten after it was stored goes out as it stands (the chain's hash shows
     * it downstream), and such a sink must not call {@link SealedEvent#event} (a failure there is a
     * failed send, retried, not a parked cursor).
     */
    default boolean readsMembers() {
        return true;
    }

    /**
     * How many batches of one partition the loop may hand over with {@link #send} before the first of
     * them is acknowledged. 1, the default: the loop waits for each batch before it sends the next.
     */
    default int batchesInFlight() {
        return 1;
    }

    /**
     * Hands one batch over and returns without waiting for the receiver; the returned
     * {@link Acknowledgement} waits. The loop calls it for successive batches of one partition, each
     * continuing where the one before ended, up to {@link #batchesInFlight} of them unacknowledged,
     * and awaits their acknowledgements in the order it sent them. It moves its durable cursor only
     * over a prefix of batches that are all acknowledged; from the first one that fails it drops the
     * rest, waits until each of them has ended, and later sends again from that batch on.
     *
     * <p>A sink that keeps more than one batch in flight must keep the <b>prefix rule</b>: what the
     * receiver ends up holding of the batches in flight is a prefix of what was handed over (in
     * record order), so once a record fails no later record of the partition is accepted until the
     * loop sends again from the cursor. Otherwise a consumer could see an event after a later one it
     * never saw the earlier of. The default delivers at once with {@link #deliver}.
     *
     * @throws DeliveryFailed if the batch could not be handed over; the loop treats it as that batch's failure
     */
    default Acknowledgement send(String partition, List<SealedEvent> batch) {
        deliver(partition, batch);
        return Acknowledgement.DONE;
    }

    /** The receiver's answer to one batch handed over with {@link #send}. */
    @FunctionalInterface
    interface Acknowledgement {
        /** A batch already acknowledged. */
        Acknowledgement DONE = () -> {};

        /**
         * Returns once the receiver durably accepted the whole batch; never waits much longer than
         * the sink's own delivery timeout.
         *
         * @throws DeliveryFailed if the batch was not (or not certainly) accepted
         */
        void await();
    }
}
