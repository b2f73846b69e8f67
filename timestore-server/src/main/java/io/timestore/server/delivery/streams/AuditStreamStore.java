package io.timestore.server.delivery.streams;

import io.timestore.audit.delivery.format.EventEncoders.Format;
import io.timestore.security.TenantId;
import io.timestore.server.delivery.webhook.WebhookSecret;
import io.timestore.server.secrets.SecretBox;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The audit_streams table (V22). Management statements run in the tenant's transaction (row-level
 * security confines them to the tenant); {@link #enabled} runs on the platform path. Secrets are
 * sealed with {@link SecretBox}, bound to tenant and id. Thread-safe.
 */
final class AuditStreamStore {
    private static final String COLUMNS = "tenant_id, id, name, url, format, cloudevents, paused_at, created_at, created_by";
    private static final String INSERT = """
            INSERT INTO audit_streams (tenant_id, id, name, url, format, cloudevents, secret, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            RETURNING created_at
            """;
    private static final String COUNT = "SELECT count(*) FROM audit_streams WHERE tenant_id = ?";
    private static final String LIST = "SELECT " + COLUMNS + " FROM audit_streams WHERE tenant_id = ? ORDER BY created_at, id";
    private static final String FIND = "SELECT " + COLUMNS + ", secret FROM audit_streams WHERE tenant_id = ? AND id = ?";
    private static final String PAUSE = """
            UPDATE audit_streams SET paused_at = coalesce(paused_at, now()) WHERE tenant_id = ? AND id = ?
            """;
    private static final String RESUME = "UPDATE audit_streams SET paused_at = NULL WHERE tenant_id = ? AND id = ?";
    private static final String DELETE = "DELETE FROM audit_streams WHERE tenant_id = ? AND id = ?";
    /** Platform path: every stream of one tenant, paused ones included, for retention's hold. */
    private static final String OF_TENANT = "SELECT id FROM audit_streams WHERE tenant_id = ? ORDER BY id";
    /** Platform path: every tenant's active streams, for the delivery loop. */
    static final String ENABLED = "SELECT " + COLUMNS + ", secret FROM audit_streams WHERE paused_at IS NULL ORDER BY tenant_id, id";

    /** A stream with its secret, for sending. */
    record Keyed(AuditStream stream, WebhookSecret secret) {}

    private final SecretBox box;

    AuditStreamStore(SecretBox box) {
        this.box = box;
    }

    Instant insert(Connection connection, TenantId tenant, String id, String name, URI url, Format format, boolean cloudEvents,
                   WebhookSecret secret, String createdBy) throws SQLException {
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            statement.setString(3, name);
            statement.setString(4, url.toString());
            statement.setString(5, format.label());
            statement.setBoolean(6, cloudEvents);
            statement.setBytes(7, box.seal(secret.reveal().getBytes(StandardCharsets.UTF_8), tenant.value(), id));
            statement.setString(8, createdBy);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getTimestamp(1).toInstant();
            }
        }
    }

    /** The sink names of every stream of {@code tenant}, paused ones included (platform path). */
    static List<String> sinkNames(Connection connection, String tenant) throws SQLException {
        try (var statement = connection.prepareStatement(OF_TENANT)) {
            statement.setString(1, tenant);
            try (var rows = statement.executeQuery()) {
                var names = new ArrayList<String>();
                while (rows.next()) {
                    names.add(AuditStream.sinkName(rows.getString(1)));
                }
                return names;
            }
        }
    }

    long count(Connection connection, TenantId tenant) throws SQLException {
        try (var statement = connection.prepareStatement(COUNT)) {
            statement.setString(1, tenant.value());
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    List<AuditStream> list(Connection connection, TenantId tenant) throws SQLException {
        try (var statement = connection.prepareStatement(LIST)) {
            statement.setString(1, tenant.value());
            try (var rows = statement.executeQuery()) {
                var streams = new ArrayList<AuditStream>();
                while (rows.next()) {
                    streams.add(stream(rows));
                }
                return streams;
            }
        }
    }

    Optional<Keyed> find(Connection connection, TenantId tenant, String id) throws SQLException {
        try (var statement = connection.prepareStatement(FIND)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            try (var rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(keyed(rows)) : Optional.empty();
            }
        }
    }

    /** @return whether the stream exists */
    boolean pause(Connection connection, TenantId tenant, String id) throws SQLException {
        return update(connection, PAUSE, tenant, id);
    }

    boolean resume(Connection connection, TenantId tenant, String id) throws SQLException {
        return update(connection, RESUME, tenant, id);
    }

    boolean delete(Connection connection, TenantId tenant, String id) throws SQLException {
        return update(connection, DELETE, tenant, id);
    }

    private static boolean update(Connection connection, String sql, TenantId tenant, String id) throws SQLException {
        try (var statement = connection.prepareStatement(sql)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            return statement.executeUpdate() == 1;
        }
    }

    /** A row of {@link #ENABLED} or {@link #FIND}. */
    Keyed keyed(ResultSet rows) throws SQLException {
        var stream = stream(rows);
        var secret = box.open(rows.getBytes("secret"), stream.tenant(), stream.id());
        return new Keyed(stream, WebhookSecret.parse(new String(secret, StandardCharsets.UTF_8)));
    }

    private static AuditStream stream(ResultSet rows) throws SQLException {
        var paused = rows.getTimestamp("paused_at");
        return new AuditStream(rows.getString("tenant_id"), rows.getString("id"), rows.getString("name"),
                URI.create(rows.getString("url")), Format.fromLabel(rows.getString("format")), rows.getBoolean("cloudevents"),
                Optional.ofNullable(paused).map(Timestamp::toInstant), rows.getTimestamp("created_at").toInstant(),
                rows.getString("created_by"));
    }
}
