package io.timestore.audit.store;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditUnavailable;
import io.timestore.audit.Recorded;
import java.sql.Connection;
import java.util.List;

/**
 * Transactional storage of events, the system of record: the audit table ({@link PostgresEventStore}).
 * Events arrive unsealed; the sequencer seals them later in insertion order.
 *
 * <p>This is not the place for an exporter (SIEM, Kafka, webhook, file): an exporter receives
 * events only after they are sealed, off the request path, through
 * {@link io.timestore.audit.delivery.DeliverySink}.
 *
 * <p>Contract for implementations: storage is idempotent on {@code event_id} (the first stored
 * event wins and the rest are reported as duplicates); a stored event is never updated; the partition
 * is {@link AuditEvent#tenantId()} (tenant or {@link AuditEvent#PLATFORM_PARTITION}); implementations
 * are thread-safe.
 */
public interface EventStore {
    /**
     * Stores the events in one transaction and commits it durably before returning (the group
     * commit path: many requests share this call).
     *
     * @return one {@link Recorded} per event, in order
     * @throws AuditUnavailable if the commit did not happen; then none of the events is stored
     */
    List<Recorded> append(List<AuditEvent> events);

    /**
     * Stores one event inside the caller's open transaction (the mutation path, G4): it becomes
     * durable exactly when the caller's transaction commits, together with the mutation.
     *
     * @throws AuditUnavailable if the insert failed; the caller must roll back its transaction
     */
    Recorded append(Connection transaction, AuditEvent event);
}
