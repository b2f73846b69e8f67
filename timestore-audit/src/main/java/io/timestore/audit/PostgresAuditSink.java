package io.timestore.audit;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Stores events in the tables of {@link AuditSchema}, through the service's runtime role and
 * therefore under row-level security: before writing a tenant's events the transaction's
 * {@code app.tenant_id} is set to that tenant (the platform partition is written on the explicit
 * platform path, {@code app.platform = 'on'}). Every stored event also enters the sequencer's
 * queue ({@code audit_pending}) in the same transaction. Thread-safe.
 */
public final class PostgresAuditSink implements AuditSink {
    private static final String SET_TENANT =
            "SELECT set_config('app.tenant_id', ?, true), set_config('app.platform', 'off', true)";
    private static final String SET_PLATFORM =
            "SELECT set_config('app.tenant_id', '', true), set_config('app.platform', 'on', true)";
    private static final String INSERT_EVENT = """
            INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, actor_id, auth_method, action,
                                      component, resource_type, resource_id, dataset_id, result, status, severity, event)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
            ON CONFLICT (tenant_id, event_id) DO NOTHING
            """;
    private static final String INSERT_PENDING = "INSERT INTO audit_pending (tenant_id, event_id) VALUES (?, ?)";

    private final DataSource dataSource;
    private final AuditJson json;

    public PostgresAuditSink(DataSource dataSource, AuditJson json) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.json = Objects.requireNonNull(json, "json");
    }

    @Override
    public List<Recorded> append(List<AuditEvent> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        try (var connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                var recorded = appendGrouped(connection, events);
                connection.commit();
                return recorded;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new AuditUnavailable("audit store refused the batch (SQLState " + e.getSQLState() + ")", e);
        }
    }

    @Override
    public Recorded append(Connection transaction, AuditEvent event) {
        try {
            return appendGrouped(transaction, List.of(event)).getFirst();
        } catch (SQLException e) {
            throw new AuditUnavailable("audit store refused the event (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /** Writes events tenant by tenant, each under its own row-level-security context. */
    private List<Recorded> appendGrouped(Connection connection, List<AuditEvent> events) throws SQLException {
        var byTenant = new LinkedHashMap<String, List<Integer>>();
        for (int i = 0; i < events.size(); i++) {
            byTenant.computeIfAbsent(events.get(i).tenantId(), t -> new ArrayList<>()).add(i);
        }
        var recorded = new Recorded[events.size()];
        for (var group : byTenant.entrySet()) {
            bindTenant(connection, group.getKey());
            try (var insertEvent = connection.prepareStatement(INSERT_EVENT);
                 var insertPending = connection.prepareStatement(INSERT_PENDING)) {
                for (int index : group.getValue()) {
                    bind(insertEvent, events.get(index));
                    insertEvent.addBatch();
                }
                int[] counts = insertEvent.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    int index = group.getValue().get(i);
                    var event = events.get(index);
                    boolean duplicate = counts[i] == 0;
                    recorded[index] = new Recorded(event.eventId(), duplicate);
                    if (!duplicate) {
                        insertPending.setString(1, event.tenantId());
                        insertPending.setObject(2, event.eventId());
                        insertPending.addBatch();
                    }
                }
                insertPending.executeBatch();
            }
        }
        return List.of(recorded);
    }

    private static void bindTenant(Connection connection, String tenantId) throws SQLException {
        if (AuditEvent.PLATFORM_PARTITION.equals(tenantId)) {
            try (var statement = connection.prepareStatement(SET_PLATFORM)) {
                statement.execute();
            }
        } else {
            try (var statement = connection.prepareStatement(SET_TENANT)) {
                statement.setString(1, tenantId);
                statement.execute();
            }
        }
    }

    private void bind(java.sql.PreparedStatement statement, AuditEvent event) throws SQLException {
        var unsealed = event.withSeal(null);
        statement.setString(1, event.tenantId());
        statement.setObject(2, event.eventId());
        statement.setTimestamp(3, Timestamp.from(event.occurredAt()));
        statement.setString(4, event.requestId());
        statement.setString(5, event.actor().id());
        statement.setString(6, event.actor().authMethod());
        statement.setString(7, event.operation().action());
        statement.setString(8, event.operation().component());
        statement.setString(9, event.operation().resourceType());
        statement.setString(10, event.operation().resourceId());
        statement.setString(11, event.operation().datasetId());
        statement.setString(12, Labels.of(event.outcome().result()));
        statement.setInt(13, event.outcome().status());
        statement.setString(14, Labels.of(event.severity()));
        statement.setString(15, json.write(unsealed));
    }
}
