package io.timestore.server.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.config.LimitSettings;
import io.timestore.server.config.LimitSettings.Rate;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.RequestLimits;
import io.timestore.server.ingest.IngestLimits;
import io.timestore.server.ops.TenantLabels;
import io.timestore.server.problems.LimitExceeded;
import io.timestore.server.tenants.TenantCache;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Rate limits and quotas (docs/security.md, "Rate limits and quotas"): the request rate of each
 * tenant and of each credential, the points a tenant writes per second (token buckets), and the
 * series a tenant may store (a quota, counted in PostgreSQL by {@code ingest.PointsStore}).
 *
 * <p>The limits in force for a tenant are the {@code limits.*} settings with the tenant's
 * overrides ({@code tenant_limits}, V35) laid over them, cached per tenant for
 * {@code limits.cache-ttl}; an override set through any instance drops the cached copy on every
 * instance at once ({@link TenantCache}, kept current by {@code tenants.TenantChangeListener}).
 *
 * <p>The buckets are this instance's own, like Vault's rate-limit quotas: with N instances behind
 * a load balancer a tenant may send up to N times its rate. A bucket is keyed by what it limits
 * and by the limit's value, so a changed limit starts a new, full bucket. Buckets idle for
 * {@link #IDLE} are dropped (a bucket idle that long has refilled, unless its burst is larger
 * than {@code IDLE} times its rate). Thread-safe.
 */
public final class RateLimits implements RequestLimits, IngestLimits, TenantCache {
    /** How long an unused bucket is kept. */
    static final Duration IDLE = Duration.ofHours(1);
    /** How many buckets and tenants' limits are kept at most. */
    private static final int MAX_ENTRIES = 100_000;
    /** The {@code limit} label and problem member of each limit. */
    public static final String TENANT_REQUESTS = "tenant_requests";
    public static final String CREDENTIAL_REQUESTS = "credential_requests";
    public static final String TENANT_POINTS = "tenant_points";
    public static final String TENANT_SERIES = "tenant_series";
    private static final List<String> LIMITS = List.of(TENANT_REQUESTS, CREDENTIAL_REQUESTS, TENANT_POINTS, TENANT_SERIES);

    private final Transactions transactions;
    private final LimitSettings settings;
    private final InstantSource clock;
    private final LimitStore store = new LimitStore();
    private final Cache<TenantId, TenantLimits> limits;
    private final Cache<BucketKey, TokenBucket> buckets;
    private final MeterRegistry registry;
    private final TenantLabels tenantLabels;

    /** What one bucket limits: which limit, whose (a tenant id or a credential), at which rate. */
    private record BucketKey(String limit, String subject, Rate rate) {}

    public RateLimits(Transactions transactions, LimitSettings settings, InstantSource clock, MeterRegistry registry,
                      TenantLabels tenantLabels) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tenantLabels = Objects.requireNonNull(tenantLabels, "tenantLabels");
        this.limits = Caffeine.newBuilder()
                .expireAfterWrite(settings.cacheTtl())
                .maximumSize(MAX_ENTRIES)
                .ticker(() -> nanos(clock.instant()))
                .executor(Runnable::run)
                .build();
        this.buckets = Caffeine.newBuilder()
                .expireAfterAccess(IDLE)
                .maximumSize(MAX_ENTRIES)
                .ticker(() -> nanos(clock.instant()))
                .executor(Runnable::run)
                .build();
        if (!tenantLabels.enabled()) {
            LIMITS.forEach(limit -> refused(limit, Optional.empty()));
        }
    }

    /** The settings every tenant gets unless overridden. */
    public LimitSettings defaults() {
        return settings;
    }

    @Override
    public void admit(SecurityContext security) {
        var tenant = security.tenant();
        var inForce = limitsOf(tenant);
        if (inForce.requests().unlimited() && inForce.credentialRequests().unlimited()) {
            return;
        }
        long now = nanos(clock.instant());
        var credential = credentialBucket(security.principal(), inForce.credentialRequests(), now);
        if (credential.isPresent()) {
            var wait = credential.get().take(1, now);
            if (wait.isPresent()) {
                throw refuse(tenant, CREDENTIAL_REQUESTS, inForce.credentialRequests(), "requests", wait.get());
            }
        }
        if (!inForce.requests().unlimited()) {
            var wait = bucket(TENANT_REQUESTS, tenant.value(), inForce.requests(), now).take(1, now);
            if (wait.isPresent()) {
                credential.ifPresent(bucket -> bucket.giveBack(1));
                throw refuse(tenant, TENANT_REQUESTS, inForce.requests(), "requests", wait.get());
            }
        }
    }

    private Optional<TokenBucket> credentialBucket(Principal principal, Rate rate, long now) {
        if (rate.unlimited()) {
            return Optional.empty();
        }
        return Optional.of(bucket(CREDENTIAL_REQUESTS, principal.authMethod().label() + ":" + principal.subject(), rate, now));
    }

    @Override
    public void admitPoints(TenantId tenant, int points) {
        var rate = limitsOf(tenant).points();
        if (rate.unlimited() || points <= 0) {
            return;
        }
        long now = nanos(clock.instant());
        var wait = bucket(TENANT_POINTS, tenant.value(), rate, now).take(points, now);
        if (wait.isPresent()) {
            throw refuse(tenant, TENANT_POINTS, rate, "points", wait.get());
        }
    }

    @Override
    public long maxSeries(TenantId tenant) {
        return limitsOf(tenant).maxSeries();
    }

    @Override
    public LimitExceeded seriesQuotaExceeded(TenantId tenant, long max, long stored, long adding) {
        refused(TENANT_SERIES, Optional.of(tenant)).increment();
        return LimitExceeded.quota(TENANT_SERIES, max,
                "the write would add %d series to the %d stored, beyond the tenant's quota of %d series (%s); nothing was written"
                        .formatted(adding, stored, max, TENANT_SERIES));
    }

    /** The limits in force for {@code tenant}: cached, else read in the tenant's transaction. */
    public TenantLimits limitsOf(TenantId tenant) {
        // Not limits.get(tenant, loader): the loader would run a transaction under the map's lock.
        var cached = limits.getIfPresent(tenant);
        if (cached != null) {
            return cached;
        }
        var loaded = transactions.inTenant(tenant, connection -> store.find(connection, tenant)).over(settings);
        limits.put(tenant, loaded);
        return loaded;
    }

    @Override
    public void forget(TenantId tenant) {
        limits.invalidate(tenant);
    }

    @Override
    public void forgetAll() {
        limits.invalidateAll();
    }

    private TokenBucket bucket(String limit, String subject, Rate rate, long now) {
        return buckets.get(new BucketKey(limit, subject, rate), key -> new TokenBucket(rate, now));
    }

    private LimitExceeded refuse(TenantId tenant, String limit, Rate rate, String unit, Duration wait) {
        refused(limit, Optional.of(tenant)).increment();
        return LimitExceeded.rate(limit, rate.perSecond(), rate.capacity(), unit, wait);
    }

    private Counter refused(String limit, Optional<TenantId> tenant) {
        var builder = Counter.builder("timestore.rate.limited")
                .description("Requests refused by a rate limit or quota (429 rate_limited or quota_exceeded), by limit")
                .tag("limit", limit);
        tenant.flatMap(tenantLabels::label).ifPresent(label -> builder.tag("tenant", label));
        return builder.register(registry);
    }

    private static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }
}
