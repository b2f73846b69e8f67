package io.timestore.server.auditapi;

import io.timestore.audit.store.SealLookup;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Reads audit events, newest first, with their seals. Queries run as the runtime role in a
 * tenant transaction (the tenant's own partition) or on the platform path for operators, and
 * always name the partitions they read: row-level security is the second line, not the first.
 *
 * <p>Every query is a keyset page over {@code (occurred_at DESC, event_id DESC)}, which the
 * (tenant_id, ...) indexes serve without sorting or scanning the table.
 */
final class AuditEventStore {
    private static final String SELECT = """
            SELECT e.tenant_id, e.event_id, e.occurred_at, e.event::text AS event, s.seq, s.prev_hash, s.hash
            FROM audit_events e
            """ + SealLookup.JOIN;

    /** A stored event with its seal, if it has been sealed. */
    record Row(String tenantId, UUID eventId, Instant occurredAt, String eventJson, Optional<Seal> seal) {}

    record Seal(long seq, byte[] prevHash, byte[] hash) {}

    /** Where a page continues: after this event in (occurred_at, event_id) descending order. */
    record Position(Instant occurredAt, UUID eventId) {}

    List<Row> page(Connection connection, List<String> partitions, EventFilter filter, Optional<Position> after, int limit)
            throws SQLException {
        var rows = new ArrayList<Row>(Math.min(limit, 1024));
        stream(connection, partitions, filter, after, limit, rows::add);
        return rows;
    }

    /** A page query: its SQL and the values bound to it. */
    record Query(String sql, List<Object> parameters) {}

    /** The SQL of a page (or of an export with {@code limit} 0), for running and for EXPLAIN. */
    Query query(Connection connection, List<String> partitions, EventFilter filter, Optional<Position> after, int limit)
            throws SQLException {
        var parameters = new ArrayList<Object>();
        StringBuilder sql;
        if (partitions.size() == 1) {
            // One partition (every tenant caller): an equality lets the planner walk the
            // (tenant_id, ..., occurred_at DESC) index in order and stop at the LIMIT.
            sql = new StringBuilder(SELECT).append("WHERE e.tenant_id = ?");
            parameters.add(partitions.getFirst());
        } else {
            sql = new StringBuilder(SELECT).append("WHERE e.tenant_id = ANY (?)");
            parameters.add(connection.createArrayOf("text", partitions.toArray()));
        }
        filter.from().ifPresent(from -> {
            sql.append(" AND e.occurred_at >= ?");
            parameters.add(Timestamp.from(from));
        });
        filter.to().ifPresent(to -> {
            sql.append(" AND e.occurred_at < ?");
            parameters.add(Timestamp.from(to));
        });
        // Column names come from EventFilter.COLUMNS, a fixed allowlist; values are bound.
        filter.equals().forEach((column, value) -> {
            sql.append(" AND e.").append(column).append(" = ?");
            parameters.add(value);
        });
        after.ifPresent(position -> {
            sql.append(" AND (e.occurred_at, e.event_id) < (?, ?)");
            parameters.add(Timestamp.from(position.occurredAt()));
            parameters.add(position.eventId());
        });
        sql.append(" ORDER BY e.occurred_at DESC, e.event_id DESC");
        if (limit > 0) {
            sql.append(" LIMIT ?");
            parameters.add(limit);
        }
        return new Query(sql.toString(), parameters);
    }

    /** Streams every matching event to {@code sink} (export), fetching in chunks through a cursor. */
    void stream(Connection connection, List<String> partitions, EventFilter filter, Optional<Position> after, int limit,
                Consumer<Row> sink) throws SQLException {
        var query = query(connection, partitions, filter, after, limit);
        try (var statement = connection.prepareStatement(query.sql())) {
            statement.setFetchSize(1000);
            for (int i = 0; i < query.parameters().size(); i++) {
                statement.setObject(i + 1, query.parameters().get(i));
            }
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    long seq = result.getLong("seq");
                    var seal = result.wasNull() ? Optional.<Seal>empty()
                            : Optional.of(new Seal(seq, result.getBytes("prev_hash"), result.getBytes("hash")));
                    sink.accept(new Row(result.getString("tenant_id"), result.getObject("event_id", UUID.class),
                            result.getTimestamp("occurred_at").toInstant(), result.getString("event"), seal));
                }
            }
        }
    }

    Optional<Row> find(Connection connection, List<String> partitions, UUID eventId) throws SQLException {
        try (var statement = connection.prepareStatement(SELECT + "WHERE e.tenant_id = ANY (?) AND e.event_id = ?")) {
            statement.setArray(1, connection.createArrayOf("text", partitions.toArray()));
            statement.setObject(2, eventId);
            try (var result = statement.executeQuery()) {
                if (!result.next()) {
                    return Optional.empty();
                }
                long seq = result.getLong("seq");
                var seal = result.wasNull() ? Optional.<Seal>empty()
                        : Optional.of(new Seal(seq, result.getBytes("prev_hash"), result.getBytes("hash")));
                return Optional.of(new Row(result.getString("tenant_id"), eventId,
                        result.getTimestamp("occurred_at").toInstant(), result.getString("event"), seal));
            }
        }
    }

    /** The first checkpoint at or after {@code seq}: what proves this event is in the signed chain. */
    Optional<String> checkpointAfter(Connection connection, String partition, long seq) throws SQLException {
        try (var statement = connection.prepareStatement("""
                SELECT json_build_object('tenant_id', tenant_id, 'seq', seq, 'hash', encode(hash, 'hex'),
                       'signed_at', signed_at, 'key_id', key_id, 'signature', signature, 'kind', kind)::text
                FROM audit_checkpoints WHERE tenant_id = ? AND seq >= ? ORDER BY seq LIMIT 1
                """)) {
            statement.setString(1, partition);
            statement.setLong(2, seq);
            try (var result = statement.executeQuery()) {
                return result.next() ? Optional.of(result.getString(1)) : Optional.empty();
            }
        }
    }
}
