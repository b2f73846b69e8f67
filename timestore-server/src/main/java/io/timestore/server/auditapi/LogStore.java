package io.timestore.server.auditapi;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/**
 * Finds the events of the log routes: by id or by seq, with their seal (if sealed) and their
 * stored JSON (if not purged). The statements run as the first of the caller's transaction (tenant
 * or platform path, {@link AuditPartitions#readFrom}) and name the partition, their first parameter.
 */
final class LogStore {
    static final String BY_ID = """
            SELECT e.event_id, s.seq, e.event::text FROM audit_events e
            LEFT JOIN audit_seals s ON s.tenant_id = e.tenant_id AND s.event_id = e.event_id
            WHERE e.tenant_id = ? AND e.event_id = ?
            """;
    static final String BY_SEQ = """
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

    private LogStore() {}

    /** The entry in the first of {@code rows} of {@link #BY_ID} or {@link #BY_SEQ}, if any. */
    static Optional<Entry> first(ResultSet rows) throws SQLException {
        if (!rows.next()) {
            return Optional.empty();
        }
        long seq = rows.getLong(2);
        var sealed = rows.wasNull() ? Optional.<Long>empty() : Optional.of(seq);
        return Optional.of(new Entry(rows.getObject(1, UUID.class), sealed, Optional.ofNullable(rows.getString(3))));
    }
}
