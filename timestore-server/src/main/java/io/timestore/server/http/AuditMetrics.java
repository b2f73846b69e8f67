package io.timestore.server.http;

import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.timestore.security.authz.LegacyRule;
import java.time.Duration;

/** What the audit step counts and times (docs/operations.md). Thread-safe. */
final class AuditMetrics {
    private final MeterRegistry registry;
    private final Timer waitTimer;

    AuditMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.waitTimer = Timer.builder("timestore.audit.wait")
                .description("How long a response waited for its audit event to become durable")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
    }

    /** {@code timestore_audit_wait_seconds}: a response waited this long for its event. */
    void waited(Duration duration) {
        waitTimer.record(duration);
    }

    /** {@code timestore_audit_write_failures_total}: an event could not be made durable (503). */
    void writeFailed() {
        // Registered at the first failure, as before: the series appears only once it has happened.
        Counter.builder("timestore.audit.write.failures").description("Events that could not be made durable")
                .register(registry).increment();
    }

    /** {@code timestore_audit_events_total{result}}: an event became durable. */
    void eventDurable(String result) {
        Counter.builder("timestore.audit.events").description("Audit events made durable, by outcome")
                .tag("result", result).register(registry).increment();
    }

    /** {@code timestore_legacy_requests_total{route,rule}}: what switching to strict mode would refuse. */
    void legacyRequest(Context ctx, LegacyRule rule) {
        var endpoint = ctx.endpoints().matchedHttpEndpoint();
        Counter.builder("timestore.legacy.requests").description("Requests admitted only by a legacy-mode rule")
                .tag("route", endpoint == null ? "unmatched" : endpoint.path).tag("rule", rule.label())
                .register(registry).increment();
    }
}
