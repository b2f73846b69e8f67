package io.timestore.server.signingkeys;

import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.credentials.CreatedCredential;
import io.timestore.server.credentials.CredentialLifecycle;
import io.timestore.server.credentials.NewCredential;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.Permissions;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * A tenant's HMAC keys for signed service requests. The secret is generated here (32 random
 * bytes), returned once, and stored only encrypted. Every change commits its audit event with it.
 */
public final class SigningKeyService {
    private final SigningKeyRecords records;
    private final Permissions permissions;
    private final SecureRandom random;
    private final CredentialLifecycle<SigningKeyRecords.Listed> lifecycle;

    public SigningKeyService(Transactions transactions, SigningKeyRecords records, Permissions permissions,
                             SecureRandom random, InstantSource clock) {
        this.records = records;
        this.permissions = permissions;
        this.random = random;
        this.lifecycle = new CredentialLifecycle<>(transactions, SigningKeyRecords.TABLE, "signing key", records::listed, clock);
    }

    /**
     * Creates a key carrying only roles and scopes the caller holds itself (docs/authorization.md,
     * "Minting credentials"), and commits {@code reply} (what the client will be sent) with it. The
     * secret (base64url) is in the result, shown this once.
     *
     * @throws io.timestore.server.problems.Forbidden 403 naming the first role or scope the caller does not hold
     */
    public CreatedCredential<RolesAndScopes> create(SecurityContext security, RequestAudit audit,
                                                    NewCredential<RolesAndScopes> request,
                                                    Function<CreatedCredential<RolesAndScopes>, Reply> reply) {
        var granted = request.own();
        CredentialLifecycle.describe(audit, request, details -> details.detail("roles", String.join(",", granted.roles()))
                .detail("scopes", String.join(",", granted.scopes())));
        permissions.requireKeyGrant(security, granted.roles(), granted.scopes());
        var idBytes = new byte[12];
        random.nextBytes(idBytes);
        var id = "hk_" + HexFormat.of().formatHex(idBytes);
        var secret = new byte[32];
        random.nextBytes(secret);
        audit.resource(id);
        return lifecycle.create(security, audit, request, id, Base64.getUrlEncoder().withoutPadding().encodeToString(secret),
                connection -> records.insert(connection, security.tenant(), id, request.name(), secret, granted,
                        request.expiresAt(), security.principal().subject()), reply);
    }

    /** Listing and revocation, the same for every credential kind. */
    CredentialLifecycle<SigningKeyRecords.Listed> lifecycle() {
        return lifecycle;
    }
}
