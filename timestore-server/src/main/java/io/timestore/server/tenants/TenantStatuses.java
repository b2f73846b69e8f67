package io.timestore.server.tenants;

import io.timestore.security.TenantDirectory;
import io.timestore.security.TenantId;
import io.timestore.security.TenantStatus;
import io.timestore.server.db.Transactions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a tenant may be acted on, asked on every authenticated request. Answers are cached for
 * a short time (default one second) so a busy tenant costs one indexed lookup per second, not per
 * request; a change made through this server instance ({@link #forget}) takes effect at once,
 * one made through another instance within the cache time. Thread-safe.
 */
public final class TenantStatuses implements TenantDirectory {
    private static final int MAX_ENTRIES = 100_000;
    private final Transactions transactions;
    private final TenantStore store = new TenantStore();
    private final InstantSource clock;
    private final Duration ttl;
    private final ConcurrentHashMap<TenantId, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(TenantStatus status, Instant expires) {}

    public TenantStatuses(Transactions transactions, InstantSource clock, Duration ttl) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
    }

    @Override
    public TenantStatus status(TenantId tenant) {
        var now = clock.instant();
        var cached = cache.get(tenant);
        if (cached != null && now.isBefore(cached.expires())) {
            return cached.status();
        }
        var status = transactions.inTenant(tenant, connection -> store.status(connection, tenant))
                .map(s -> s == Tenant.Status.ACTIVE ? TenantStatus.ACTIVE : TenantStatus.DISABLED)
                .orElse(TenantStatus.UNKNOWN);
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear(); // unknown ids from bad requests must not grow the cache without bound
        }
        cache.put(tenant, new Cached(status, now.plus(ttl)));
        return status;
    }

    /** Drops the cached answer after a change, so this instance applies it to the next request. */
    public void forget(TenantId tenant) {
        cache.remove(tenant);
    }
}
