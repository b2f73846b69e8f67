package io.timestore.server.points;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.timestore.security.TenantId;
import io.timestore.server.config.TelemetrySettings;
import io.timestore.server.ops.TenantLabels;
import java.time.Duration;
import java.util.Objects;

/**
 * Data-plane metrics: points ingested (with a bounded {@code tenant} label when per-tenant metrics
 * are on), points per accepted batch, and query duration by kind ({@code raw}, {@code aggregate},
 * {@code series}). Thread-safe.
 */
public final class PointsMetrics {
    private final MeterRegistry registry;
    private final TenantLabels tenants;
    private final DistributionSummary batchSize;
    private final Counter queryRestarts;

    public PointsMetrics(MeterRegistry registry, TenantLabels tenants) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.batchSize = DistributionSummary.builder("timestore.ingest.batch.size")
                .description("Points per accepted write request")
                .serviceLevelObjectives(1, 10, 100, 1_000, 5_000, 10_000, 50_000)
                .register(registry);
        this.queryRestarts = Counter.builder("timestore.query.restarts")
                .description("Aggregate reads whose last statements ended their transaction but found more rows than such a read "
                        + "takes, and that were read again in a transaction of their own")
                .register(registry);
        if (!tenants.enabled()) {
            ingested(null);
        }
        for (var kind : new String[] {"raw", "aggregate", "series"}) {
            queryTimer(kind);
        }
    }

    /** Meters nobody reads: for services built without a registry (tests, embedding). */
    public static PointsMetrics none() {
        return new PointsMetrics(new SimpleMeterRegistry(), new TenantLabels(TelemetrySettings.off()));
    }

    /** One batch of {@code points} points was committed for {@code tenant}. */
    public void written(TenantId tenant, int points) {
        batchSize.record(points);
        ingested(tenant).increment(points);
    }

    /** Times one query of {@code kind}. */
    public Timer queryTimer(String kind) {
        return Timer.builder("timestore.query.duration")
                .description("Time of a successful read's transaction: the dataset lookup and authorization, the query and its encoding, by kind")
                .tag("kind", kind)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    /** A read ran again: its ending statements found more rows than they take. */
    public void queryRestarted() {
        queryRestarts.increment();
    }

    private Counter ingested(TenantId tenant) {
        var builder = Counter.builder("timestore.points.ingested").description("Points committed by write requests");
        if (tenant != null) {
            tenants.label(tenant).ifPresent(label -> builder.tag("tenant", label));
        }
        return builder.register(registry);
    }
}
