package io.timestore.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Reads stored audit events straight from the database, as an auditor with a SQL prompt would. */
public final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TimestoreServer server;

    public AuditLog(TimestoreServer server) {
        this.server = server;
    }

    /** Every stored event with this request id, in any partition. */
    public List<JsonNode> eventsFor(String requestId) {
        return query("SELECT event::text FROM audit_events WHERE request_id = ? ORDER BY recorded_at", requestId);
    }

    /** Every stored event of one partition (tenant id or _platform). */
    public List<JsonNode> eventsOf(String partition) {
        return query("SELECT event::text FROM audit_events WHERE tenant_id = ? ORDER BY recorded_at", partition);
    }

    /** All stored events as raw text, to search for leaked secrets. */
    public String everything() {
        var all = new StringBuilder();
        try (var connection = server.postgres().superuser(server.database());
             var rows = connection.createStatement().executeQuery("SELECT tenant_id, event::text FROM audit_events")) {
            while (rows.next()) {
                all.append(rows.getString(1)).append(' ').append(rows.getString(2)).append('\n');
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return all.toString();
    }

    private List<JsonNode> query(String sql, String parameter) {
        try (var connection = server.postgres().superuser(server.database());
             var statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            var events = new ArrayList<JsonNode>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    events.add(JSON.readTree(rows.getString(1)));
                }
            }
            return events;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
