package io.timestore.server.credentials;

import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.db.Transactions;
import io.timestore.server.problems.NotFound;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Creating, listing and revoking one kind of credential in the caller's tenant, the same for every
 * kind: each change commits its audit event with it; a creation's event names what was asked for
 * whatever the outcome; a revocation says whether the credential already was revoked and takes
 * effect on the next request that presents the credential. What a kind checks and stores is its
 * own (its service). Thread-safe.
 *
 * @param <T> the kind's listing record
 */
public final class CredentialLifecycle<T> {
    /** The kind's part of a creation, in its transaction: any check that needs the transaction, then its row. */
    @FunctionalInterface
    public interface Insert {
        /** @return the row's {@code created_at} */
        Instant insert(Connection connection) throws SQLException;
    }

    private final Transactions transactions;
    private final CredentialTable table;
    private final String kind;
    private final CredentialTable.Rows<T> rows;
    private final InstantSource clock;

    /**
     * @param kind what the credential is called in messages, e.g. {@code "API token"}
     * @param rows reads the kind's listing record from a row of {@code table}
     */
    public CredentialLifecycle(Transactions transactions, CredentialTable table, String kind, CredentialTable.Rows<T> rows,
                               InstantSource clock) {
        this.transactions = transactions;
        this.table = table;
        this.kind = kind;
        this.rows = rows;
        this.clock = clock;
    }

    /**
     * Records what a creation asks for in its audit event, whatever the outcome, so that a refused
     * escalation says what it asked for: {@code name}, the kind's own details, {@code expires_at}.
     */
    public static void describe(RequestAudit audit, NewCredential<?> request, Consumer<RequestAudit> own) {
        audit.detail("name", request.name());
        own.accept(audit);
        audit.detail("expires_at", request.expiresAt().toString());
    }

    /**
     * Creates credential {@code id} in the caller's tenant: runs {@code insert} and commits
     * {@code reply} (what the client will be sent) with it, in one transaction.
     */
    public <K> CreatedCredential<K> create(SecurityContext security, RequestAudit audit, NewCredential<K> request,
                                           String id, String secret, Insert insert,
                                           Function<CreatedCredential<K>, Reply> reply) {
        return transactions.inTenant(security.tenant(), connection -> {
            var createdAt = insert.insert(connection);
            var created = new CreatedCredential<>(id, request.name(), secret, request.own(), request.expiresAt(), createdAt);
            audit.commit(connection, reply.apply(created));
            return created;
        });
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

    /** The time a creation request's {@code expires_at} is judged against. */
    Instant now() {
        return clock.instant();
    }
}
