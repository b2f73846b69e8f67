package io.timestore.server.auditapi;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * Finds the events of the log routes: by id or by seq, with their seal (if sealed) and their
 * stored JSON (if not purged). Runs in the caller's transaction (tenant or platform path) and names
 * the partition in every query.
 */
final class LogStore {
    private static final String BY_ID = """
            SELECT e.event_id, s.seq, e.event::text FROM audit_events e
            LEFT JOIN audit_seals s ON s.tenant_id = e.tenant_id AND s.event_id = e.event_id
            WHERE e.tenant_id = ? AND e.event_id = ?
            """;
    private static final String BY_SEQ = """
            SELECT s.event_id, s.seq, e.event::text FROM audit_seals s
            LEFT JOIN audit_events e ON e.tenant_id = s.tenant_id AND e.event_id = s.event_id
            WHERE s.tenant_id = ? AND s.seq = ?
            """;

    /**
     * An event of the log.
     *
     * @param eventId its id, null for a position whose seal retention purged (its leaf stays)
     * @param seq   its position, empty while it waits for the sequencer
     * @param event its stored JSON, empty when retention purged it (its seal and leaf may stay)
     */
    record Entry(UUID eventId, Optional<Long> seq, Optional<String> event) {}

    Optional<Entry> byId(Connection connection, String partition, UUID eventId) throws SQLException {
        try (var statement = connection.prepareStatement(BY_ID)) {
            statement.setString(1, partition);
            statement.setObject(2, eventId);
            return read(statement);
        }
    }

    Optional<Entry> bySeq(Connection connection, String partition, long seq) throws SQLException {
        try (var statement = connection.prepareStatement(BY_SEQ)) {
            statement.setString(1, partition);
            statement.setLong(2, seq);
            return read(statement);
        }
    }

    private static Optional<Entry> read(java.sql.PreparedStatement statement) throws SQLException {
        try (var rows = statement.executeQuery()) {
            if (!rows.next()) {
                return Optional.empty();
            }
            long seq = rows.getLong(2);
            var sealed = rows.wasNull() ? Optional.<Long>empty() : Optional.of(seq);
            return Optional.of(new Entry(rows.getObject(1, UUID.class), sealed, Optional.ofNullable(rows.getString(3))));
        }
    }
}
