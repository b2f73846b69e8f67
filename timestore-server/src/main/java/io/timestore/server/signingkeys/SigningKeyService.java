package io.timestore.server.signingkeys;

import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.credentials.CredentialLifecycle;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.Permissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import java.util.function.Function;

/**
 * A tenant's HMAC keys for signed service requests. The secret is generated here (32 random
 * bytes), returned once, and stored only encrypted. Every change commits its audit event with it.
 */
public final class SigningKeyService {
    private final Transactions transactions;
    private final SigningKeyRecords records;
    private final Permissions permissions;
    private final SecureRandom random;
    private final InstantSource clock;
    private final CredentialLifecycle<SigningKeyRecords.Listed> lifecycle;

    public SigningKeyService(Transactions transactions, SigningKeyRecords records, Permissions permissions,
                             SecureRandom random, InstantSource clock) {
        this.transactions = transactions;
        this.records = records;
        this.permissions = permissions;
        this.random = random;
        this.clock = clock;
        this.lifecycle = new CredentialLifecycle<>(transactions, SigningKeyRecords.TABLE, "signing key", records::listed);
    }

    public record NewKey(String name, Set<String> roles, Set<String> scopes, Instant expiresAt) {}

    /** A created key; {@code secret} (base64url) is shown this once. */
    public record Created(String id, String name, String secret, Set<String> roles, Set<String> scopes,
                          Instant expiresAt, Instant createdAt) {
        @Override
        public String toString() {
            return "Created[id=%s, name=%s, secret=****]".formatted(id, name);
        }
    }

    /**
     * Creates a key carrying only roles and scopes the caller holds itself (docs/authorization.md,
     * "Minting credentials"), and commits {@code reply} (what the client will be sent) with it.
     *
     * @throws io.timestore.server.problems.Forbidden 403 naming the first role or scope the caller does not hold
     */
    public Created create(SecurityContext security, RequestAudit audit, NewKey request, Function<Created, Reply> reply) {
        // The attempt is recorded whatever the outcome, so a refused escalation says what it asked for.
        audit.detail("name", request.name()).detail("roles", String.join(",", request.roles()))
                .detail("scopes", String.join(",", request.scopes())).detail("expires_at", request.expiresAt().toString());
        permissions.requireKeyGrant(security, request.roles(), request.scopes());
        var idBytes = new byte[12];
        random.nextBytes(idBytes);
        var id = "hk_" + HexFormat.of().formatHex(idBytes);
        var secret = new byte[32];
        random.nextBytes(secret);
        audit.resource(id);
        return transactions.inTenant(security.tenant(), connection -> {
            var createdAt = records.insert(connection, security.tenant(), id, request.name(), secret, request.roles(),
                    request.scopes(), request.expiresAt(), security.principal().subject());
            var created = new Created(id, request.name(), Base64.getUrlEncoder().withoutPadding().encodeToString(secret),
                    request.roles(), request.scopes(), request.expiresAt(), createdAt);
            audit.commit(connection, reply.apply(created));
            return created;
        });
    }

    /** Listing and revocation, the same for every credential kind. */
    CredentialLifecycle<SigningKeyRecords.Listed> lifecycle() {
        return lifecycle;
    }

    Instant now() {
        return clock.instant();
    }
}
