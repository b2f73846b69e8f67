package io.timestore.server.tokens;

import io.timestore.security.SecurityContext;
import io.timestore.security.TokenPermission;
import io.timestore.security.tokens.ApiTokens;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.NotFound;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Creating, listing and revoking a tenant's API tokens. The secret exists only in the response
 * to its creation; the table keeps its HMAC. Every change commits its audit event with it.
 */
public final class TokenService {
    private final Transactions transactions;
    private final TokenRecords records;
    private final ApiTokens tokens;
    private final InstantSource clock;

    public TokenService(Transactions transactions, TokenRecords records, ApiTokens tokens, InstantSource clock) {
        this.transactions = transactions;
        this.records = records;
        this.tokens = tokens;
        this.clock = clock;
    }

    /** A validated request to create a token. */
    public record NewToken(String name, List<TokenPermission> permissions, Instant expiresAt) {}

    /** A created token; {@code token} is the secret, shown this once. */
    public record Created(String id, String name, String token, List<TokenPermission> permissions, Instant expiresAt,
                          Instant createdAt) {
        @Override
        public String toString() {
            return "Created[id=%s, name=%s, token=****]".formatted(id, name);
        }
    }

    /** Mints and stores a token, and commits {@code reply} (what the client will be sent) with it. */
    public Created create(SecurityContext security, RequestAudit audit, NewToken request, Function<Created, Reply> reply) {
        var minted = tokens.mint();
        audit.resource(minted.id())
                .detail("name", request.name())
                .detail("permissions", records.permissionsJson(request.permissions()))
                .detail("expires_at", request.expiresAt().toString());
        return transactions.inTenant(security.tenant(), connection -> {
            var createdAt = records.insert(connection, security.tenant(), minted.id(), request.name(), minted.hash(),
                    request.permissions(), request.expiresAt(), security.principal().subject());
            var created = new Created(minted.id(), request.name(), minted.token(), request.permissions(), request.expiresAt(),
                    createdAt);
            audit.commit(connection, reply.apply(created));
            return created;
        });
    }

    public List<TokenRecords.Listed> list(SecurityContext security, Optional<Instant> afterCreatedAt,
                                          Optional<String> afterId, int limit) {
        return transactions.inTenant(security.tenant(),
                connection -> records.page(connection, security.tenant(), afterCreatedAt, afterId, limit));
    }

    /** Revokes a token of the caller's tenant; effective on the next request that presents it. */
    public void revoke(SecurityContext security, RequestAudit audit, String id) {
        audit.resource(id);
        transactions.inTenant(security.tenant(), connection -> {
            var revoked = records.revoke(connection, security.tenant(), id, security.principal().subject())
                    .orElseThrow(() -> new NotFound("no API token " + id + " in this tenant"));
            audit.detail("already_revoked", Boolean.toString(!revoked));
            audit.commit(connection, 204);
            return null;
        });
    }

    Instant now() {
        return clock.instant();
    }
}
