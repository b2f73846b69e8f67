package io.timestore.server.tenants;

import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.db.Transactions;
import io.timestore.server.problems.Conflict;
import io.timestore.server.problems.NotFound;
import io.timestore.server.problems.ProblemType;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Tenant administration for platform operators, on the explicit platform path. Disabling a
 * tenant takes effect on this instance at once (its status cache is told) and on others within
 * the status cache time.
 */
public final class TenantService {
    private final Transactions transactions;
    private final TenantStore store = new TenantStore();
    private final TenantStatuses statuses;

    public TenantService(Transactions transactions, TenantStatuses statuses) {
        this.transactions = transactions;
        this.statuses = statuses;
    }

    /** What a PATCH may change; empty members stay as they are. */
    public record Changes(Optional<String> name, Optional<Tenant.Status> status, Optional<OptionalInt> auditRetentionDays,
                         Optional<Boolean> legalHold) {}

    /** Creates a tenant and commits {@code reply} (what the client will be sent) with it. */
    public Tenant create(SecurityContext security, RequestAudit audit, TenantId id, String name, OptionalInt retention,
                         Function<Tenant, Reply> reply) {
        audit.resource(id.value()).detail("name", name);
        var created = transactions.asPlatform(connection -> {
            var tenant = store.insert(connection, id, name, retention, security.principal().subject())
                    .orElseThrow(() -> new Conflict(ProblemType.CONFLICT, "tenant " + id + " exists already"));
            audit.revision(null, tenant.revision());
            audit.commit(connection, reply.apply(tenant));
            return tenant;
        });
        statuses.forget(id);
        return created;
    }

    public List<Tenant> list(String afterId, int limit) {
        return transactions.asPlatform(connection -> store.page(connection, afterId, limit));
    }

    public Tenant get(TenantId id) {
        return transactions.asPlatform(connection -> store.find(connection, id))
                .orElseThrow(() -> new NotFound("no tenant " + id));
    }

    /** Applies {@code changes} and commits {@code reply} with them. */
    public Tenant change(SecurityContext security, RequestAudit audit, TenantId id, Optional<Long> ifMatch, Changes changes,
                         Function<Tenant, Reply> reply) {
        audit.resource(id.value());
        changes.status().ifPresent(s -> audit.detail("status", s.name().toLowerCase(java.util.Locale.ROOT)));
        changes.legalHold().ifPresent(h -> audit.detail("legal_hold", Boolean.toString(h)));
        var updated = transactions.asPlatform(connection -> {
            var current = store.find(connection, id).orElseThrow(() -> new NotFound("no tenant " + id));
            if (ifMatch.isPresent() && ifMatch.get() != current.revision()) {
                throw new Conflict(ProblemType.PRECONDITION_FAILED,
                        "If-Match names revision %d but the tenant is at revision %d".formatted(ifMatch.get(), current.revision()));
            }
            var changed = new Tenant(id, changes.name().orElse(current.name()), changes.status().orElse(current.status()),
                    changes.auditRetentionDays().orElse(current.auditRetentionDays()),
                    changes.legalHold().orElse(current.legalHold()), current.revision(), current.createdAt(),
                    current.createdBy(), current.updatedAt(), current.updatedBy());
            var stored = store.update(connection, changed, current.revision(), security.principal().subject())
                    .orElseThrow(() -> new Conflict(ProblemType.PRECONDITION_FAILED, "the tenant changed meanwhile; read it again"));
            audit.revision(current.revision(), stored.revision());
            audit.commit(connection, reply.apply(stored));
            return stored;
        });
        statuses.forget(id);
        return updated;
    }
}
