package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;

/** Writes the audit tables as a release before audit schema version 9 did: events and queue entries without an arrival number. */
final class OlderRelease {
    private OlderRelease() {}

    /** The event and queue entry exactly as the writer of audit schema version 8 stored them. */
    static void store(AuditDatabase db, AuditJson json, AuditEvent event) {
        db.asOwner("""
                INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, actor_id, auth_method, action, component,
                                          resource_type, resource_id, dataset_id, result, status, severity, event)
                VALUES (?, ?, ?::timestamptz, ?, ?, ?, ?, ?, ?, ?, ?, 'succeeded', ?, 'info', ?::json)""",
                event.tenantId(), event.eventId(), event.occurredAt().toString(), event.requestId(), event.actor().id(),
                event.actor().authMethod(), event.operation().action(), event.operation().component(),
                event.operation().resourceType(), event.operation().resourceId(), event.operation().datasetId(),
                event.outcome().status(), json.write(event));
        db.asOwner("INSERT INTO audit_pending (tenant_id, event_id, canonical) VALUES (?, ?, ?)",
                event.tenantId(), event.eventId(), CanonicalEncoding.encode(event));
        assertThat(db.count("SELECT count(*) FROM audit_events WHERE event_id = ? AND arrival IS NULL", event.eventId())).isEqualTo(1);
    }
}
