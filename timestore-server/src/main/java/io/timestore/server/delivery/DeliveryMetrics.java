package io.timestore.server.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.delivery.DeliveryCursor;
import io.timestore.audit.delivery.DeliveryLoop;
import io.timestore.security.TenantId;
import io.timestore.server.ops.TenantLabels;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit delivery as metrics, per sink and (with {@code metrics.per-tenant} on) per partition:
 * lag in events and seconds, delivered events, failed attempts, parked partitions, skipped
 * (purged before delivery) events and the latency of one batch. Without the partition label the
 * lag is the worst partition's and the counts are sums. Names in docs/operations.md.
 */
public final class DeliveryMetrics implements DeliveryLoop.Observer {
    private static final Logger log = LoggerFactory.getLogger(DeliveryMetrics.class);
    private final MeterRegistry registry;
    private final TenantLabels labels;
    private final AtomicLong leader = new AtomicLong();
    private final Map<Tags, Gauges> gauges = new ConcurrentHashMap<>();
    private final Map<Tags, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    /** The gauges of one (sink, partition label). */
    private record Gauges(AtomicLong lagEvents, AtomicLong lagMillis, AtomicLong parked) {}

    public DeliveryMetrics(MeterRegistry registry, TenantLabels labels) {
        this.registry = registry;
        this.labels = labels;
        Gauge.builder("timestore.audit.delivery.leader", leader, AtomicLong::get)
                .description("1 while this instance delivers the audit trail to its sinks").register(registry);
    }

    private Tags tags(String sink, String partition) {
        var tags = Tags.of("sink", sink);
        return label(partition).map(value -> tags.and("partition", value)).orElse(tags);
    }

    private Optional<String> label(String partition) {
        if (!labels.enabled()) {
            return Optional.empty();
        }
        if (partition.equals(AuditEvent.PLATFORM_PARTITION)) {
            return Optional.of(partition);
        }
        return labels.label(new TenantId(partition));
    }

    private Gauges gauges(Tags tags) {
        return gauges.computeIfAbsent(tags, t -> {
            var g = new Gauges(new AtomicLong(), new AtomicLong(), new AtomicLong());
            Gauge.builder("timestore.audit.delivery.lag.events", g.lagEvents(), AtomicLong::get).tags(t)
                    .description("Sealed audit events a sink has not acknowledged yet").register(registry);
            Gauge.builder("timestore.audit.delivery.lag.seconds", g.lagMillis(), v -> v.get() / 1000.0).tags(t)
                    .description("How long the oldest sealed audit event a sink has not acknowledged has waited").register(registry);
            Gauge.builder("timestore.audit.delivery.parked", g.parked(), AtomicLong::get).tags(t)
                    .description("Partitions whose delivery to a sink is parked until an operator resumes it").register(registry);
            return g;
        });
    }

    private Counter counter(String name, String description, Tags tags) {
        return counters.computeIfAbsent(tags.and("meter", name), t -> Counter.builder(name).tags(tags).description(description)
                .register(registry));
    }

    @Override
    public void leadership(boolean isLeader) {
        leader.set(isLeader ? 1 : 0);
        log.info(isLeader ? "this instance now delivers the audit trail" : "this instance no longer delivers the audit trail");
    }

    @Override
    public void cursors(String sink, List<DeliveryCursor> cursors) {
        var sums = new HashMap<Tags, long[]>();
        for (var cursor : cursors) {
            var values = sums.computeIfAbsent(tags(sink, cursor.partition()), t -> new long[3]);
            values[0] += cursor.lagEvents();
            values[1] = Math.max(values[1], cursor.lag().toMillis());
            values[2] += cursor.parked() ? 1 : 0;
        }
        sums.forEach((tags, values) -> {
            var g = gauges(tags);
            g.lagEvents().set(values[0]);
            g.lagMillis().set(values[1]);
            g.parked().set(values[2]);
        });
    }

    @Override
    public void delivered(String sink, String partition, int events, long throughSeq, Duration took) {
        counter("timestore.audit.delivery.delivered", "Audit events acknowledged by a sink", tags(sink, partition)).increment(events);
        timers.computeIfAbsent(sink, s -> Timer.builder("timestore.audit.delivery.batch.duration").tag("sink", s)
                .description("How long a sink took to acknowledge one batch").publishPercentileHistogram()
                .register(registry)).record(took);
    }

    @Override
    public void failed(String sink, String partition, int attempt, Duration retryIn, Exception cause) {
        counter("timestore.audit.delivery.failures", "Delivery attempts a sink did not acknowledge", tags(sink, partition)).increment();
    }

    @Override
    public void parked(String sink, String partition, String reason) {
        gauges(tags(sink, partition)).parked().incrementAndGet();
    }

    @Override
    public void gap(String sink, String partition, long afterSeq, long nextSeq) {
        counter("timestore.audit.delivery.skipped", "Audit events removed by retention before a sink received them",
                tags(sink, partition)).increment(Math.max(0, nextSeq - afterSeq - 1));
    }

    @Override
    public void error(String what, Exception cause) {
        counter("timestore.audit.delivery.errors", "Delivery rounds that failed outside a sink (database, targets)", Tags.empty())
                .increment();
        log.warn("audit delivery: {} failed: {}", what, cause.getMessage());
    }
}
