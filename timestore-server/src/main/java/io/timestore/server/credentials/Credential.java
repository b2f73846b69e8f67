package io.timestore.server.credentials;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What every stored credential has, whatever its kind: never its secret. The kind's listing
 * record carries one of these next to its own fields.
 */
public record Credential(String id, String name, Instant expiresAt, Instant createdAt, String createdBy,
                         Optional<Instant> revokedAt, Optional<String> revokedBy) {
    /** The columns {@link #from} reads, as a select list. */
    static final String COLUMNS = "id, name, expires_at, created_at, created_by, revoked_at, revoked_by";

    public Credential {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(createdBy, "createdBy");
        Objects.requireNonNull(revokedAt, "revokedAt");
        Objects.requireNonNull(revokedBy, "revokedBy");
    }

    static Credential from(ResultSet rows) throws SQLException {
        return new Credential(rows.getString("id"), rows.getString("name"), rows.getTimestamp("expires_at").toInstant(),
                rows.getTimestamp("created_at").toInstant(), rows.getString("created_by"), instant(rows, "revoked_at"),
                Optional.ofNullable(rows.getString("revoked_by")));
    }

    /** An optional timestamp column. */
    public static Optional<Instant> instant(ResultSet rows, String column) throws SQLException {
        var value = rows.getTimestamp(column);
        return value == null ? Optional.empty() : Optional.of(value.toInstant());
    }

    /** The listing JSON's first members: {@code id}, {@code name}; the kind adds its own after them. */
    public ObjectNode jsonHead(ObjectMapper mapper) {
        return mapper.createObjectNode().put("id", id).put("name", name);
    }

    /** The listing JSON's common last members: expiry, creation and revocation. */
    public ObjectNode jsonTail(ObjectNode json) {
        json.put("expires_at", expiresAt.toString()).put("created_at", createdAt.toString()).put("created_by", createdBy);
        revokedAt.ifPresent(at -> json.put("revoked_at", at.toString()));
        return json;
    }
}
