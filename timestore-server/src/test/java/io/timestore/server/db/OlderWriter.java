package io.timestore.server.db;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.CanonicalEncoding;
import io.timestore.audit.canonical.Labels;
import io.timestore.audit.store.PlatformPath;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import javax.sql.DataSource;

/**
 * Stores audit events the way a release before audit schema version 9 (V40) did: the event row and
 * its queue entry with its canonical bytes, no arrival number. For tests of upgrades, whose older
 * schemas the current writer ({@code PostgresEventStore}) no longer fits.
 */
public final class OlderWriter {
    private static final String EVENT = """
            INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, actor_id, auth_method, action, component,
                                      resource_type, resource_id, dataset_id, result, status, severity, event)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::json)""";
    private static final String QUEUE = "INSERT INTO audit_pending (tenant_id, event_id, canonical) VALUES (?, ?, ?)";

    private OlderWriter() {}

    /** Stores {@code events} in one transaction on the platform path. */
    public static void append(DataSource runtime, List<AuditEvent> events) throws SQLException {
        var json = new AuditJson();
        try (var connection = runtime.getConnection()) {
            connection.setAutoCommit(false);
            PlatformPath.enter(connection);
            try (var event = connection.prepareStatement(EVENT); var queue = connection.prepareStatement(QUEUE)) {
                for (AuditEvent e : events) {
                    Object[] columns = {e.tenantId(), e.eventId(), Timestamp.from(e.occurredAt()), e.requestId(), e.actor().id(),
                        e.actor().authMethod(), e.operation().action(), e.operation().component(), e.operation().resourceType(),
                        e.operation().resourceId(), e.operation().datasetId(), Labels.of(e.outcome().result()),
                        e.outcome().status(), Labels.of(e.severity()), json.write(e)};
                    for (int i = 0; i < columns.length; i++) {
                        event.setObject(i + 1, columns[i]);
                    }
                    event.addBatch();
                    queue.setString(1, e.tenantId());
                    queue.setObject(2, e.eventId());
                    queue.setBytes(3, CanonicalEncoding.encode(e));
                    queue.addBatch();
                }
                event.executeBatch();
                queue.executeBatch();
            }
            connection.commit();
        }
    }
}
