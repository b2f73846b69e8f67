package io.timestore.server.refresh;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.security.TenantId;
import io.timestore.server.ops.TenantLabels;
import io.timestore.server.points.Rfc3339;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code timestore_refresh_freshness_age_seconds{tenant,dataset}}: how far behind now the highest
 * succeeded watermark this process has seen reported is. Only with per-tenant metrics on, only for
 * tenants that have their own label, and for at most {@code metrics.per-tenant-limit} datasets in
 * all, so the series stay bounded. After a restart a dataset's gauge appears with its next report.
 * Thread-safe.
 */
public final class RefreshMetrics {
    private final MeterRegistry registry;
    private final TenantLabels tenants;
    private final InstantSource clock;
    private final int limit;
    private final Map<String, AtomicLong> watermarks = new ConcurrentHashMap<>();

    public RefreshMetrics(MeterRegistry registry, TenantLabels tenants, InstantSource clock, int limit) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.limit = limit;
    }

    /** A run of {@code dataset} succeeded with {@code watermark} (nanoseconds since the epoch). */
    void succeeded(TenantId tenant, String dataset, long watermark) {
        if (!tenants.labelled(tenant)) {
            return;
        }
        var key = tenant.value() + "\u0000" + dataset;
        var known = watermarks.get(key);
        if (known == null) {
            synchronized (watermarks) {
                known = watermarks.get(key);
                if (known == null) {
                    if (watermarks.size() >= limit) {
                        return;
                    }
                    known = new AtomicLong(watermark);
                    watermarks.put(key, known);
                    Gauge.builder("timestore.refresh.freshness.age.seconds", known, this::ageSeconds)
                            .description("Seconds between now and the highest succeeded refresh watermark of a dataset")
                            .tag("tenant", tenant.value())
                            .tag("dataset", dataset)
                            .register(registry);
                }
            }
        }
        known.accumulateAndGet(watermark, Math::max);
    }

    private double ageSeconds(AtomicLong watermark) {
        long nowNanos = Rfc3339.nowNanos(clock);
        return Math.max(0, nowNanos - watermark.get()) / 1e9;
    }
}
