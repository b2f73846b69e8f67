package io.timestore.server.limits;

import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.db.Transactions;
import io.timestore.server.problems.NotFound;
import java.time.InstantSource;
import java.util.Objects;
import java.util.function.Function;

/**
 * A platform operator reads, sets and removes a tenant's limit overrides (the route has required
 * {@code tenant:admin}), on the platform path; each change commits its audit event with it. The change takes effect on
 * this instance at once and on the others when they hear V35's notification (at once), or within
 * {@code limits.cache-ttl} while they cannot listen.
 */
public final class LimitService {
    private final Transactions transactions;
    private final RateLimits limits;
    private final InstantSource clock;
    private final LimitStore store = new LimitStore();

    public LimitService(Transactions transactions, RateLimits limits, InstantSource clock) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The tenant's overrides; 404 when there is no such tenant. */
    public Overrides get(SecurityContext security, RequestAudit audit, TenantId tenant) {
        audit.resource(tenant.value());
        return transactions.asPlatform(connection -> {
            requireTenant(connection, tenant);
            return store.find(connection, tenant);
        });
    }

    /** Replaces the tenant's overrides with {@code overrides} and commits {@code reply} with them. */
    public Overrides put(SecurityContext security, RequestAudit audit, TenantId tenant, Overrides overrides,
                         Function<Overrides, Reply> reply) {
        audit.resource(tenant.value());
        overrides.values().forEach((limit, value) -> audit.detail(limit.member(), value));
        var stored = transactions.asPlatform(connection -> {
            requireTenant(connection, tenant);
            store.put(connection, tenant, overrides, clock.instant(), security.principal().subject());
            var now = store.find(connection, tenant);
            audit.commit(connection, reply.apply(now));
            return now;
        });
        limits.forget(tenant);
        return stored;
    }

    /** Removes the tenant's overrides (back to the defaults) and commits a 204 with that. */
    public void delete(SecurityContext security, RequestAudit audit, TenantId tenant) {
        audit.resource(tenant.value());
        transactions.asPlatform(connection -> {
            requireTenant(connection, tenant);
            audit.detail("removed", Boolean.toString(store.delete(connection, tenant)));
            audit.commit(connection, 204);
            return null;
        });
        limits.forget(tenant);
    }

    private void requireTenant(java.sql.Connection connection, TenantId tenant) throws java.sql.SQLException {
        if (!store.tenantExists(connection, tenant)) {
            throw new NotFound("no tenant " + tenant);
        }
    }
}
