package io.timestore.server.idempotency;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.security.SecurityContext;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.Conflict;
import io.timestore.server.http.ProblemType;
import java.io.IOException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Idempotency-Key handling for mutations (G5). The first request with a key claims it
 * ({@code in_flight}); when it ends, its response is stored ({@code completed}) for 24 hours.
 * Sending the same key again with the same request replays that response without applying the
 * mutation again (and without a second audit event, since both would share one event id); with a
 * different request it is 422 {@code idempotency_key_reused}; while the first is still running it
 * is 409 {@code idempotency_key_in_flight}. A first request that failed with a 5xx releases its
 * key, so the client's retry runs. Keys are scoped to tenant and principal. Thread-safe.
 */
public final class IdempotencyKeys {
    static final Duration KEEP = Duration.ofHours(24);
    /** Members that may carry a credential: never stored, so a replay shows them as absent. */
    private static final java.util.Set<String> SECRET_MEMBERS = java.util.Set.of("token", "secret");

    private static final String CLAIM = """
            INSERT INTO idempotency_keys (tenant_id, principal_id, key, fingerprint, state, expires_at)
            VALUES (?, ?, ?, ?, 'in_flight', ?)
            ON CONFLICT (tenant_id, principal_id, key) DO NOTHING
            """;
    private static final String FIND = """
            SELECT fingerprint, state, response_status, response_type, response_headers::text, response_body, expires_at
            FROM idempotency_keys WHERE tenant_id = ? AND principal_id = ? AND key = ?
            """;
    private static final String FORGET = "DELETE FROM idempotency_keys WHERE tenant_id = ? AND principal_id = ? AND key = ?";
    private static final String PURGE_EXPIRED = """
            DELETE FROM idempotency_keys WHERE ctid IN (
                SELECT ctid FROM idempotency_keys WHERE tenant_id = ? AND expires_at < ? LIMIT 100)
            """;
    private static final String COMPLETE = """
            UPDATE idempotency_keys
            SET state = 'completed', response_status = ?, response_type = ?, response_headers = ?::jsonb, response_body = ?
            WHERE tenant_id = ? AND principal_id = ? AND key = ?
            """;

    /** The original response, to send again. */
    public record Replay(int status, Optional<String> contentType, Map<String, String> headers, byte[] body) {}

    /** What the caller should do with a request carrying a key. */
    public sealed interface Claim permits Claim.Fresh, Claim.Replayed {
        /** The key is now this request's: run it, then {@link #complete} or {@link #release}. */
        record Fresh() implements Claim {}

        /** The request already ran: answer with its response. */
        record Replayed(Replay response) implements Claim {}
    }

    private final Transactions transactions;
    private final ObjectMapper json;
    private final InstantSource clock;

    public IdempotencyKeys(Transactions transactions, ObjectMapper json, InstantSource clock) {
        this.transactions = transactions;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Claims {@code key} for this request, or says how to answer instead.
     *
     * @throws Conflict 422 when the key was used for a different request, 409 while it is in flight
     */
    public Claim claim(SecurityContext security, String key, byte[] fingerprint) {
        var tenant = security.tenant();
        var principal = security.principal().subject();
        return transactions.inTenant(tenant, connection -> {
            var now = clock.instant();
            try (var purge = connection.prepareStatement(PURGE_EXPIRED)) {
                purge.setString(1, tenant.value());
                purge.setTimestamp(2, Timestamp.from(now));
                purge.executeUpdate();
            }
            try (var insert = connection.prepareStatement(CLAIM)) {
                insert.setString(1, tenant.value());
                insert.setString(2, principal);
                insert.setString(3, key);
                insert.setBytes(4, fingerprint);
                insert.setTimestamp(5, Timestamp.from(now.plus(KEEP)));
                if (insert.executeUpdate() == 1) {
                    return new Claim.Fresh();
                }
            }
            try (var find = connection.prepareStatement(FIND)) {
                find.setString(1, tenant.value());
                find.setString(2, principal);
                find.setString(3, key);
                try (var row = find.executeQuery()) {
                    row.next();
                    if (!Arrays.equals(row.getBytes("fingerprint"), fingerprint)) {
                        throw new Conflict(ProblemType.IDEMPOTENCY_KEY_REUSED,
                                "this Idempotency-Key was used for a different request; use a new key");
                    }
                    if (row.getString("state").equals("in_flight")) {
                        throw new Conflict(ProblemType.IDEMPOTENCY_KEY_IN_FLIGHT,
                                "the first request with this Idempotency-Key is still running; retry when it has finished");
                    }
                    return new Claim.Replayed(new Replay(row.getInt("response_status"),
                            Optional.ofNullable(row.getString("response_type")), headers(row.getString(5)),
                            Optional.ofNullable(row.getBytes("response_body")).orElse(new byte[0])));
                }
            }
        });
    }

    /** Stores the response of the request that holds the key; 5xx responses release it instead. */
    public void complete(SecurityContext security, String key, int status, String contentType, Map<String, String> headers,
                         byte[] body) {
        if (status >= 500) {
            release(security, key);
            return;
        }
        transactions.inTenant(security.tenant(), connection -> {
            try (var update = connection.prepareStatement(COMPLETE)) {
                update.setInt(1, status);
                update.setString(2, contentType);
                update.setString(3, json.writeValueAsString(headers));
                update.setBytes(4, withoutSecrets(contentType, body));
                update.setString(5, security.tenant().value());
                update.setString(6, security.principal().subject());
                update.setString(7, key);
                update.executeUpdate();
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("response headers must serialise", e);
            }
            return null;
        });
    }

    /** Gives the key up, so a retry runs the request again (nothing was applied). */
    public void release(SecurityContext security, String key) {
        transactions.inTenant(security.tenant(), connection -> {
            try (var delete = connection.prepareStatement(FORGET)) {
                delete.setString(1, security.tenant().value());
                delete.setString(2, security.principal().subject());
                delete.setString(3, key);
                delete.executeUpdate();
            }
            return null;
        });
    }

    private byte[] withoutSecrets(String contentType, byte[] body) {
        if (contentType == null || !contentType.startsWith("application/json") || body.length == 0) {
            return body;
        }
        try {
            var tree = json.readTree(body);
            if (tree != null && tree.isObject()) {
                SECRET_MEMBERS.forEach(((com.fasterxml.jackson.databind.node.ObjectNode) tree)::remove);
                return json.writeValueAsBytes(tree);
            }
            return body;
        } catch (IOException e) {
            return body;
        }
    }

    private Map<String, String> headers(String text) {
        try {
            return text == null ? Map.of() : json.readValue(text, new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            return Map.of();
        }
    }
}
