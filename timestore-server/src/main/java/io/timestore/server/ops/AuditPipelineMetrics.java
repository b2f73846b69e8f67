package io.timestore.server.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.audit.store.GroupCommitRecorder;
import io.timestore.server.auditing.AuditEvents;

/**
 * The audit pipeline's meters that read state owned elsewhere: the group-commit queue, fields
 * redacted before storage, and (registered up front so it is scraped as 0 before the first one)
 * events that could not be made durable.
 */
public final class AuditPipelineMetrics {
    private AuditPipelineMetrics() {}

    public static void bind(MeterRegistry registry, GroupCommitRecorder recorder, AuditEvents events) {
        Gauge.builder("timestore.audit.queue.depth", recorder, GroupCommitRecorder::queueDepth)
                .description("Audit events waiting for a group commit").register(registry);
        FunctionCounter.builder("timestore.audit.redacted", events, AuditEvents::redactedFields)
                .description("Fields masked or removed from audit events before storage").register(registry);
        // The same meter the audit step increments; registered here so it exists from the start.
        Counter.builder("timestore.audit.write.failures").description("Events that could not be made durable")
                .register(registry);
    }
}
