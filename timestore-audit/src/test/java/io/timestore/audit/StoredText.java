package io.timestore.audit;

import java.sql.SQLException;

/** Reads stored rows back as the owner, for assertions. */
record StoredText(AuditDatabase db) {
    String event(String tenant, String eventId) {
        return event(tenant, eventId, "event::text");
    }

    /** The stored event as jsonb prints it, as audit schema version 8 converted the events stored before it. */
    String eventInJsonbForm(String tenant, String eventId) {
        return event(tenant, eventId, "event::jsonb::text");
    }

    private String event(String tenant, String eventId, String column) {
        try (var connection = db.owner().getConnection()) {
            connection.setAutoCommit(false);
            try (var platform = connection.prepareStatement("SELECT set_config('app.platform', 'on', true)")) {
                platform.execute();
            }
            try (var query = connection.prepareStatement("SELECT " + column + " FROM audit_events WHERE tenant_id = ? AND event_id = ?::uuid")) {
                query.setString(1, tenant);
                query.setString(2, eventId);
                try (var rows = query.executeQuery()) {
                    if (!rows.next()) {
                        throw new IllegalStateException("no event " + eventId);
                    }
                    return rows.getString(1);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The event id sealed at {@code seq} of {@code tenant}. */
    String seal(String tenant, long seq) {
        try (var connection = db.owner().getConnection()) {
            connection.setAutoCommit(false);
            try (var platform = connection.prepareStatement("SELECT set_config('app.platform', 'on', true)")) {
                platform.execute();
            }
            try (var query = connection.prepareStatement("SELECT event_id::text FROM audit_seals WHERE tenant_id = ? AND seq = ?")) {
                query.setString(1, tenant);
                query.setLong(2, seq);
                try (var rows = query.executeQuery()) {
                    if (!rows.next()) {
                        throw new IllegalStateException("no seal at " + seq);
                    }
                    return rows.getString(1);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
