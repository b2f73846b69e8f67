package io.timestore.server.tenants;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.timestore.security.TenantDirectory;
import io.timestore.security.TenantId;
import io.timestore.security.TenantStatus;
import io.timestore.server.db.Transactions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Whether a tenant may be acted on, asked on every authenticated request. Answers are cached (a
 * Caffeine cache timed by the injected clock) for {@code auth.tenant-status-cache-ttl}, default one
 * second, so a busy tenant costs one indexed lookup per second, not per request; a change made
 * through this server instance ({@link #forget}) takes effect at once, one made through another
 * instance as soon as {@link TenantChangeListener} hears of it (at once), and within the cache time
 * while it cannot listen. Bounded by {@code auth.tenant-status-cache-size}, so unknown ids
 * from bad requests cannot grow it without limit. Thread-safe.
 */
public final class TenantStatuses implements TenantDirectory, TenantCache {
    private final Transactions transactions;
    private final TenantStore store = new TenantStore();
    private final Cache<TenantId, TenantStatus> cache;

    /**
     * @param ttl        how long an answer is trusted
     * @param maxEntries how many tenants' answers are kept at most
     */
    public TenantStatuses(Transactions transactions, InstantSource clock, Duration ttl, int maxEntries) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        Objects.requireNonNull(clock, "clock");
        this.cache = Caffeine.newBuilder()
                .expireAfterWrite(Objects.requireNonNull(ttl, "ttl"))
                .maximumSize(maxEntries)
                .ticker(() -> nanosSinceEpoch(clock.instant()))
                .executor(Runnable::run)
                .build();
    }

    @Override
    public TenantStatus status(TenantId tenant) {
        // Not cache.get(tenant, loader): the loader would run a transaction while holding the
        // map's bin lock. Two concurrent misses both look up; both answers are current.
        var cached = cache.getIfPresent(tenant);
        if (cached != null) {
            return cached;
        }
        var status = transactions.inTenant(tenant, connection -> store.status(connection, tenant))
                .map(s -> s == Tenant.Status.ACTIVE ? TenantStatus.ACTIVE : TenantStatus.DISABLED)
                .orElse(TenantStatus.UNKNOWN);
        cache.put(tenant, status);
        return status;
    }

    /** Drops the cached answer after a change, so this instance applies it to the next request. */
    @Override
    public void forget(TenantId tenant) {
        cache.invalidate(tenant);
    }

    /** Drops every cached answer (after notifications of changes may have been missed). */
    @Override
    public void forgetAll() {
        cache.invalidateAll();
    }

    private static long nanosSinceEpoch(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }
}
