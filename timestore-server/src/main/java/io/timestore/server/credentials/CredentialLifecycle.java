package io.timestore.server.credentials;

import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.db.Transactions;
import io.timestore.server.problems.NotFound;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Listing and revoking one kind of credential in the caller's tenant, the same for every kind:
 * revocation commits its audit event with it (saying whether the credential already was revoked)
 * and takes effect on the next request that presents the credential. Thread-safe.
 */
public final class CredentialLifecycle<T> {
    private final Transactions transactions;
    private final CredentialTable table;
    private final String kind;
    private final CredentialTable.Rows<T> rows;

    /**
     * @param kind what the credential is called in messages, e.g. {@code "API token"}
     * @param rows reads the kind's listing record from a row of {@code table}
     */
    public CredentialLifecycle(Transactions transactions, CredentialTable table, String kind, CredentialTable.Rows<T> rows) {
        this.transactions = transactions;
        this.table = table;
        this.kind = kind;
        this.rows = rows;
    }

    /** Up to {@code limit} of the caller's tenant's credentials created before the position, newest first. */
    public List<T> list(SecurityContext security, Optional<Instant> afterCreatedAt, Optional<String> afterId, int limit) {
        return transactions.inTenant(security.tenant(),
                connection -> table.page(connection, security.tenant(), afterCreatedAt, afterId, limit, rows));
    }

    /** @throws NotFound 404 when the caller's tenant has no such credential */
    public void revoke(SecurityContext security, RequestAudit audit, String id) {
        audit.resource(id);
        transactions.inTenant(security.tenant(), connection -> {
            var revoked = table.revoke(connection, security.tenant(), id, security.principal().subject())
                    .orElseThrow(() -> new NotFound("no %s %s in this tenant".formatted(kind, id)));
            audit.detail("already_revoked", Boolean.toString(!revoked));
            audit.commit(connection, 204);
            return null;
        });
    }
}
