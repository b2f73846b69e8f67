package io.timestore.server.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.checkpoint.Checkpoint;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sequencer's health as metrics: leadership, unsealed events, seal lag, checkpoint age,
 * sealed events and checkpoints, failures (each also logged).
 */
public final class SealingMetrics implements Sequencer.Observer {
    private static final Logger log = LoggerFactory.getLogger(SealingMetrics.class);
    private final AtomicLong leader = new AtomicLong();
    private final AtomicLong unsealed = new AtomicLong();
    private final AtomicLong sealLagMillis = new AtomicLong();
    private final AtomicLong checkpointAgeMillis = new AtomicLong();
    private final Counter sealed;
    private final Counter checkpoints;
    private final Counter failures;
    private final Timer steps;

    public SealingMetrics(MeterRegistry registry) {
        Gauge.builder("timestore.audit.sequencer.leader", leader, AtomicLong::get)
                .description("1 while this instance is the audit sequencer").register(registry);
        Gauge.builder("timestore.audit.unsealed.events", unsealed, AtomicLong::get)
                .description("Audit events stored but not yet sealed into their tenant's chain").register(registry);
        Gauge.builder("timestore.audit.seal.lag.seconds", sealLagMillis, v -> v.get() / 1000.0)
                .description("Age of the oldest unsealed audit event").register(registry);
        Gauge.builder("timestore.audit.checkpoint.age.seconds", checkpointAgeMillis, v -> v.get() / 1000.0)
                .description("Age of the oldest tenant's latest checkpoint").register(registry);
        this.sealed = Counter.builder("timestore.audit.sealed.events").description("Audit events sealed").register(registry);
        this.checkpoints = Counter.builder("timestore.audit.checkpoints").description("Checkpoints signed").register(registry);
        this.steps = Timer.builder("timestore.audit.seal.step.duration")
                .description("One sealing transaction of one partition (events taken, chain and tree extended, seals stored, committed)")
                .register(registry);
        this.failures = Counter.builder("timestore.audit.sequencer.failures").description("Sealing rounds that failed")
                .register(registry);
    }

    @Override
    public void leadership(boolean isLeader) {
        leader.set(isLeader ? 1 : 0);
        log.info(isLeader ? "this instance is now the audit sequencer" : "this instance is no longer the audit sequencer");
    }

    @Override
    public void sealed(String tenantId, int events, Duration took) {
        sealed.increment(events);
        steps.record(took);
    }

    @Override
    public void checkpointed(Checkpoint checkpoint) {
        checkpoints.increment();
    }

    @Override
    public void backlog(long unsealedEvents, Duration sealLag, Duration checkpointAge) {
        unsealed.set(unsealedEvents);
        sealLagMillis.set(sealLag.toMillis());
        checkpointAgeMillis.set(checkpointAge.toMillis());
    }

    @Override
    public void failed(String what, Exception cause) {
        failures.increment();
        log.error("audit sequencer: {} failed: {}", what, cause.getMessage());
    }
}
