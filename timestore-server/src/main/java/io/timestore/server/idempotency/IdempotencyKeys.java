package io.timestore.server.idempotency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.Reply;
import io.timestore.server.db.DatabaseFailure;
import io.timestore.server.db.Transactions;
import io.timestore.server.problems.Conflict;
import io.timestore.server.problems.ProblemType;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Idempotency-Key handling for mutations (G5). A key has a row only once a request with it has
 * ended: the row holds that request's reply for 24 hours, and a request sent again with the same
 * key and the same content gets that reply instead of running ({@link #claim}).
 *
 * <p>A mutation keeps its reply in its own transaction, with its change and its audit event
 * ({@link #keep}): the key is taken exactly when the change commits. Nothing marks a key "in flight"
 * outside that transaction, so a request that crashed, was killed or lost its database left nothing
 * behind, and its retry runs as new. Two requests with one key running side by side both do their
 * work, but only one can commit the key's row: PostgreSQL makes the second wait for the first's
 * transaction, then refuses its row, and the second's transaction rolls back; its caller answers
 * with the first's reply. A request that changed nothing (a refusal) keeps its reply after the
 * fact ({@link #keepAfter}); one that failed with a 5xx keeps none.
 *
 * <p>Keys are scoped to tenant and principal. Thread-safe.
 */
public final class IdempotencyKeys {
    static final Duration KEEP = Duration.ofHours(24);
    /** Members that may carry a credential: never stored, so a replay shows them as absent. */
    private static final Set<String> SECRET_MEMBERS = Set.of("token", "secret");

    private static final String FIND = """
            SELECT fingerprint, state, response_status, response_type, response_headers::text, response_body, expires_at
            FROM idempotency_keys WHERE tenant_id = ? AND principal_id = ? AND key = ?
            """;
    private static final String PURGE_EXPIRED = """
            DELETE FROM idempotency_keys WHERE ctid IN (
                SELECT ctid FROM idempotency_keys WHERE tenant_id = ? AND expires_at < ? LIMIT 100)
            """;
    // An expired row of an earlier use gives way; any other row means the key is taken. A row of a
    // transaction still running makes this statement wait for its end (the unique key's rule).
    private static final String KEEP_REPLY = """
            INSERT INTO idempotency_keys (tenant_id, principal_id, key, fingerprint, state, response_status, response_type,
                                          response_headers, response_body, created_at, expires_at)
            VALUES (?, ?, ?, ?, 'completed', ?, ?, ?::jsonb, ?, ?, ?)
            ON CONFLICT (tenant_id, principal_id, key) DO UPDATE
            SET fingerprint = EXCLUDED.fingerprint, state = EXCLUDED.state, response_status = EXCLUDED.response_status,
                response_type = EXCLUDED.response_type, response_headers = EXCLUDED.response_headers,
                response_body = EXCLUDED.response_body, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
            WHERE idempotency_keys.expires_at <= EXCLUDED.created_at
            """;

    /** What the caller should do with a request carrying a key. */
    public sealed interface Claim permits Claim.Fresh, Claim.Replayed {
        /** No request with this key has ended: run it, and {@link #keep} its reply with its change. */
        record Fresh() implements Claim {}

        /** A request with this key and this content has ended: answer with its reply. */
        record Replayed(Reply reply) implements Claim {}
    }

    private final Transactions transactions;
    private final ObjectMapper json;
    private final InstantSource clock;

    public IdempotencyKeys(Transactions transactions, ObjectMapper json, InstantSource clock) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.json = Objects.requireNonNull(json, "json");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Looks {@code key} up before the request runs (and purges some of the tenant's expired keys).
     *
     * @throws Conflict 422 {@code idempotency_key_reused} when the key's request had other content;
     *                  409 {@code idempotency_key_in_flight} for a row an earlier version of the
     *                  server left "in flight" (it may have been applied), until it expires
     */
    public Claim claim(SecurityContext security, String key, byte[] fingerprint) {
        var tenant = security.tenant();
        return transactions.inTenant(tenant, connection -> {
            var now = clock.instant();
            try (var purge = connection.prepareStatement(PURGE_EXPIRED)) {
                purge.setString(1, tenant.value());
                purge.setTimestamp(2, Timestamp.from(now));
                purge.executeUpdate();
            }
            return find(connection, security, key, now).map(row -> {
                if (!Arrays.equals(row.fingerprint(), fingerprint)) {
                    throw new Conflict(ProblemType.IDEMPOTENCY_KEY_REUSED,
                            "this Idempotency-Key was used for a different request; use a new key");
                }
                if (row.reply().isEmpty()) {
                    throw new Conflict(ProblemType.IDEMPOTENCY_KEY_IN_FLIGHT,
                            "a request with this Idempotency-Key was left unfinished by an earlier server version; "
                                    + "its outcome is in the audit trail; the key is free again at " + row.expiresAt());
                }
                return (Claim) new Claim.Replayed(row.reply().get());
            }).orElseGet(Claim.Fresh::new);
        });
    }

    /**
     * Keeps {@code reply} under {@code key} inside the mutation's {@code transaction}, so the key is
     * taken if and only if the change commits. Waits while another transaction holds a row of the key.
     *
     * @throws Conflict 409 {@code idempotency_key_in_flight} when another request with the key
     *                  ended first; the transaction must roll back (the caller then answers with
     *                  that request's reply, see {@link #kept})
     */
    public void keep(Connection transaction, SecurityContext security, String key, byte[] fingerprint, Reply reply) {
        try {
            if (!insert(transaction, security, key, fingerprint, reply)) {
                throw new Conflict(ProblemType.IDEMPOTENCY_KEY_IN_FLIGHT,
                        "another request with this Idempotency-Key ended while this one ran; retry to get its response");
            }
        } catch (SQLException e) {
            throw new DatabaseFailure(e);
        }
    }

    /**
     * Keeps the reply of a request that changed nothing (a refusal such as 404 or 422), in a
     * transaction of its own; if another request with the key ended first, its reply stays.
     */
    public void keepAfter(SecurityContext security, String key, byte[] fingerprint, Reply reply) {
        transactions.inTenant(security.tenant(), connection -> insert(connection, security, key, fingerprint, reply));
    }

    /**
     * The reply kept under {@code key} for a request with this content, if a request with the key
     * ended: after a failure, to tell whether another attempt was applied while this one ran.
     */
    public Optional<Reply> kept(SecurityContext security, String key, byte[] fingerprint) {
        return transactions.inTenant(security.tenant(), connection -> find(connection, security, key, clock.instant())
                .filter(row -> Arrays.equals(row.fingerprint(), fingerprint))
                .flatMap(Row::reply));
    }

    /** A stored key; {@code reply} is empty for a row left "in flight" by an earlier version. */
    private record Row(byte[] fingerprint, Optional<Reply> reply, Instant expiresAt) {}

    private Optional<Row> find(Connection connection, SecurityContext security, String key, Instant now) throws SQLException {
        try (var find = connection.prepareStatement(FIND)) {
            find.setString(1, security.tenant().value());
            find.setString(2, security.principal().subject());
            find.setString(3, key);
            try (var row = find.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                var expiresAt = row.getTimestamp("expires_at").toInstant();
                if (!expiresAt.isAfter(now)) {
                    return Optional.empty();
                }
                var reply = row.getString("state").equals("completed") ? Optional.of(reply(row)) : Optional.<Reply>empty();
                return Optional.of(new Row(row.getBytes("fingerprint"), reply, expiresAt));
            }
        }
    }

    private Reply reply(ResultSet row) throws SQLException {
        return new Reply(row.getInt("response_status"), Optional.ofNullable(row.getString("response_type")),
                headers(row.getString(5)), Optional.ofNullable(row.getBytes("response_body")).orElse(new byte[0]));
    }

    /** Inserts the key's row, or takes over an expired one; false when the key is taken. */
    private boolean insert(Connection connection, SecurityContext security, String key, byte[] fingerprint, Reply reply)
            throws SQLException {
        var now = clock.instant();
        try (var insert = connection.prepareStatement(KEEP_REPLY)) {
            insert.setString(1, security.tenant().value());
            insert.setString(2, security.principal().subject());
            insert.setString(3, key);
            insert.setBytes(4, fingerprint);
            insert.setInt(5, reply.status());
            insert.setString(6, reply.contentType().orElse(null));
            insert.setString(7, json.writeValueAsString(reply.headers()));
            insert.setBytes(8, withoutSecrets(reply));
            insert.setTimestamp(9, Timestamp.from(now));
            insert.setTimestamp(10, Timestamp.from(now.plus(KEEP)));
            return insert.executeUpdate() == 1;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response headers must serialise", e);
        }
    }

    private byte[] withoutSecrets(Reply reply) {
        var contentType = reply.contentType().orElse("");
        if (!contentType.startsWith(Reply.JSON_TYPE) || reply.body().length == 0) {
            return reply.body();
        }
        try {
            var tree = json.readTree(reply.body());
            if (tree instanceof ObjectNode object) {
                SECRET_MEMBERS.forEach(object::remove);
                return json.writeValueAsBytes(object);
            }
            return reply.body();
        } catch (IOException e) {
            return reply.body();
        }
    }

    private Map<String, String> headers(String text) {
        try {
            return text == null ? Map.of() : json.readValue(text, new TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            return Map.of();
        }
    }
}
