package io.timestore.server.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.timestore.audit.AuditUnavailable;
import io.timestore.audit.store.GroupCommitRecorder;
import java.time.Duration;

/** Group-commit metrics: batch sizes, commit time, failed events. */
public final class AuditCommitMetrics implements GroupCommitRecorder.Observer {
    private final DistributionSummary batchSize;
    private final Timer commitTime;
    private final Counter failedEvents;

    public AuditCommitMetrics(MeterRegistry registry) {
        this.batchSize = DistributionSummary.builder("timestore.audit.group.commit.batch.size")
                .description("Events per group commit").publishPercentileHistogram().register(registry);
        this.commitTime = Timer.builder("timestore.audit.group.commit.duration")
                .description("Time one group commit took").register(registry);
        this.failedEvents = Counter.builder("timestore.audit.group.commit.failed.events")
                .description("Events whose group commit failed").register(registry);
    }

    @Override
    public void committed(int events, Duration duration) {
        batchSize.record(events);
        commitTime.record(duration);
    }

    @Override
    public void failed(int events, AuditUnavailable failure) {
        failedEvents.increment(events);
    }
}
