package io.timestore.audit.store;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.AuditUnavailable;
import io.timestore.audit.CanonicalEncoding;
import io.timestore.audit.Recorded;
import io.timestore.audit.canonical.Labels;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Stores events in the tables of {@link AuditSchema}, through the service's runtime role and
 * therefore under row-level security: before writing a tenant's events the transaction's
 * {@code app.tenant_id} is set to that tenant (the platform partition is written on the explicit
 * platform path, {@code app.platform = 'on'}). Every stored event also enters the sequencer's
 * queue ({@code audit_pending}) in the same transaction, with its canonical bytes
 * ({@link CanonicalEncoding}), which the sequencer hashes into the chain. Thread-safe.
 */
public final class PostgresEventStore implements EventStore {
    private static final String SET_TENANT =
            "SELECT set_config('app.tenant_id', ?, true), set_config('app.platform', 'off', true)";
    private static final String SET_PLATFORM =
            "SELECT set_config('app.tenant_id', '', true), set_config('app.platform', 'on', true)";
    // One statement per tenant and batch: the events as parallel arrays, and the queue rows of
    // those that were new (a retried event_id is skipped and reported as a duplicate). A JDBC
    // batch of two single-row statements per event cost about twice the database CPU per event.
    // The queue row carries the event's canonical bytes (schema version 3), so the sequencer
    // hashes them without reading the event back; `input` holds each event_id once (see bind).
    // Each event takes the next arrival number (in batch order; a duplicate's number is left
    // unused), stored with the event and with its queue row, which says so (arrival_stored): the
    // sequencer copies it into the seal, by which a read finds the seal (schema version 9).
    private static final String INSERT = """
            WITH input AS (
                SELECT *, nextval('audit_pending_arrival_seq') AS arrival
                FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                            ?::text[], ?::text[], ?::text[], ?::int4[], ?::text[], ?::text[], ?::bytea[])
                     WITH ORDINALITY AS e (event_id, occurred_at, request_id, actor_id, auth_method, action, component,
                                           resource_type, resource_id, dataset_id, result, status, severity, event,
                                           canonical, position)
            ), inserted AS (
                INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, actor_id, auth_method, action,
                                          component, resource_type, resource_id, dataset_id, result, status, severity, event,
                                          arrival)
                SELECT ?, e.event_id, e.occurred_at::timestamptz, e.request_id, e.actor_id, e.auth_method, e.action,
                       e.component, e.resource_type, e.resource_id, e.dataset_id, e.result, e.status, e.severity, e.event::json,
                       e.arrival
                FROM input e
                ORDER BY e.position
                ON CONFLICT (tenant_id, event_id) DO NOTHING
                RETURNING tenant_id, event_id
            )
            INSERT INTO audit_pending (tenant_id, event_id, canonical, arrival, arrival_stored)
            SELECT i.tenant_id, i.event_id, e.canonical, e.arrival, true FROM inserted i JOIN input e ON e.event_id = i.event_id
            ORDER BY e.position
            RETURNING event_id
            """;

    // 17 parameters per tenant: an execution stays far below the protocol's 65,535.
    private static final int TENANTS_PER_EXECUTION = 1_000;

    private record StoredKey(String tenantId, UUID eventId) {}

    private final DataSource dataSource;
    private final AuditJson json;

    public PostgresEventStore(DataSource dataSource, AuditJson json) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.json = Objects.requireNonNull(json, "json");
    }

    @Override
    public List<Recorded> append(List<AuditEvent> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        try (var connection = dataSource.getConnection()) {
            // An explicit transaction (ExplicitTransaction says why): the tenant setting holds for every statement.
            // Its COMMIT travels with the last INSERT (see insert), so ExplicitTransaction's own commit finds
            // nothing left to commit; on a failure its rollback ends the transaction as before.
            return ExplicitTransaction.run(connection, c -> appendGrouped(c, events, true));
        } catch (SQLException e) {
            throw new AuditUnavailable("audit store refused the batch (SQLState " + e.getSQLState() + ")", e);
        }
    }

    @Override
    public Recorded append(Connection transaction, AuditEvent event) {
        try {
            return appendGrouped(transaction, List.of(event), false).getFirst();
        } catch (SQLException e) {
            throw new AuditUnavailable("audit store refused the event (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /**
     * Writes events tenant by tenant, each under its own row-level-security context, as one
     * multi-statement execution (per tenant the setting of its context, then its INSERT): with the
     * transaction's BEGIN, a single round trip for a batch of up to {@link #TENANTS_PER_EXECUTION}
     * tenants, one more per further such number. With {@code commit} (the group commit's own
     * transaction) the last execution ends with the transaction's COMMIT, so a lone event is stored
     * and durable in one round trip instead of two: the execution returns only after PostgreSQL
     * answered the COMMIT, that is after the WAL flush (synchronous_commit is on).
     */
    private List<Recorded> appendGrouped(Connection connection, List<AuditEvent> events, boolean commit) throws SQLException {
        // Each (tenant, event_id) once: a later copy in the same batch is a duplicate of the first,
        // and the queue rows are matched to their input by event_id.
        var byTenant = new LinkedHashMap<String, List<AuditEvent>>();
        var distinct = new HashSet<StoredKey>();
        for (var event : events) {
            if (distinct.add(new StoredKey(event.tenantId(), event.eventId()))) {
                byTenant.computeIfAbsent(event.tenantId(), t -> new ArrayList<>()).add(event);
            }
        }
        // Keyed like the table, by tenant and event_id: two tenants may hold the same event_id.
        var inserted = new HashSet<StoredKey>();
        var groups = List.copyOf(byTenant.entrySet());
        for (int from = 0; from < groups.size(); from += TENANTS_PER_EXECUTION) {
            int to = Math.min(groups.size(), from + TENANTS_PER_EXECUTION);
            insert(connection, groups.subList(from, to), inserted, commit && to == groups.size());
        }
        var recorded = new ArrayList<Recorded>(events.size());
        for (var event : events) {
            // An event_id twice in one batch is stored once; the later copies are its duplicates.
            boolean stored = inserted.remove(new StoredKey(event.tenantId(), event.eventId()));
            recorded.add(new Recorded(event.eventId(), !stored));
        }
        return List.copyOf(recorded);
    }

    /**
     * One execution: each group's setting and INSERT, then with {@code commit} the transaction's
     * COMMIT; adds the (tenant, event_id) of every row stored.
     */
    private void insert(Connection connection, List<Map.Entry<String, List<AuditEvent>>> groups, Set<StoredKey> inserted,
                        boolean commit) throws SQLException {
        var sql = new StringBuilder();
        for (var group : groups) {
            sql.append(AuditEvent.PLATFORM_PARTITION.equals(group.getKey()) ? SET_PLATFORM : SET_TENANT).append(";\n")
                    .append(INSERT).append(";\n");
        }
        if (commit) {
            // A failed INSERT makes PostgreSQL skip the rest of the execution, this COMMIT included:
            // the statement throws and the caller rolls back. The driver reads every result before
            // execute() returns, so a COMMIT that fails (or never ran) is never taken for durability.
            sql.append("COMMIT;\n");
        }
        try (var statement = connection.prepareStatement(sql.toString())) {
            int parameter = 1;
            for (var group : groups) {
                if (!AuditEvent.PLATFORM_PARTITION.equals(group.getKey())) {
                    statement.setString(parameter++, group.getKey());
                }
                parameter = bind(connection, statement, parameter, group.getKey(), group.getValue());
            }
            // Every RETURNING row is read within the execution: the COMMIT sent with it would close the
            // portal a fetch size from the URL (defaultRowFetchSize) leaves the later rows in.
            statement.setFetchSize(0);
            statement.execute(); // the first group's setting; each group's INSERT result follows its setting
            for (var group : groups) {
                if (!statement.getMoreResults()) {
                    throw new SQLException("the INSERT of tenant %s returned no rows".formatted(group.getKey()));
                }
                try (var rows = statement.getResultSet()) {
                    while (rows.next()) {
                        inserted.add(new StoredKey(group.getKey(), rows.getObject(1, UUID.class)));
                    }
                }
                statement.getMoreResults(); // on to the next group's setting
            }
        }
    }

    /** Binds one group's INSERT from parameter {@code first}; returns the index after its last parameter. */
    private int bind(Connection connection, PreparedStatement statement, int first, String tenantId, List<AuditEvent> events)
            throws SQLException {
        int n = events.size();
        var ids = new UUID[n];
        var columns = new String[12][n];
        var statuses = new Integer[n];
        var canonical = new byte[n][];
        var encoding = new CanonicalEncoding();
        for (int i = 0; i < n; i++) {
            var event = events.get(i);
            ids[i] = event.eventId();
            columns[0][i] = event.occurredAt().toString();
            columns[1][i] = event.requestId();
            columns[2][i] = event.actor().id();
            columns[3][i] = event.actor().authMethod();
            columns[4][i] = event.operation().action();
            columns[5][i] = event.operation().component();
            columns[6][i] = event.operation().resourceType();
            columns[7][i] = event.operation().resourceId();
            columns[8][i] = event.operation().datasetId();
            columns[9][i] = Labels.of(event.outcome().result());
            statuses[i] = event.outcome().status();
            columns[10][i] = Labels.of(event.severity());
            columns[11][i] = json.write(event.withSeal(null));
            encoding.write(event);
            canonical[i] = Arrays.copyOf(encoding.buffer(), encoding.length());
        }
        statement.setArray(first, connection.createArrayOf("uuid", ids));
        for (int column = 0; column < 10; column++) {
            statement.setArray(first + 1 + column, connection.createArrayOf("text", columns[column]));
        }
        statement.setArray(first + 11, connection.createArrayOf("int4", statuses));
        statement.setArray(first + 12, connection.createArrayOf("text", columns[10]));
        statement.setArray(first + 13, connection.createArrayOf("text", columns[11]));
        statement.setArray(first + 14, connection.createArrayOf("bytea", canonical));
        statement.setString(first + 15, tenantId);
        return first + 16;
    }
}
