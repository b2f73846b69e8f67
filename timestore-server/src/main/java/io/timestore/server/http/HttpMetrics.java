package io.timestore.server.http;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Request count, duration histogram and in-flight gauge. Labels are bounded: the route template
 * (never the raw path), the method, the status class and the component.
 */
final class HttpMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();

    HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("timestore.http.server.requests.in.flight", inFlight, AtomicInteger::get)
                .description("HTTP requests being handled right now")
                .register(registry);
    }

    /** {@code timestore_audit_route_coverage_ratio}: audited API routes over all non-operational routes served. */
    void routeCoverage(double ratio) {
        Gauge.builder("timestore.audit.route.coverage.ratio", () -> ratio)
                .description("Share of the non-operational routes served that run through the audit step; must be 1")
                .register(registry);
    }

    void started() {
        inFlight.incrementAndGet();
    }

    void finished(String method, String route, int status, Duration duration) {
        inFlight.decrementAndGet();
        Timer.builder("timestore.http.server.requests")
                .description("HTTP request duration by route template, method, status class and component")
                .tag("method", method)
                .tag("route", route)
                .tag("status_class", status / 100 + "xx")
                .tag("component", component(route))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry)
                .record(duration);
    }

    /** The functional area of a route template, for dashboards. */
    static String component(String route) {
        if (route.startsWith("/storage-internal/")) {
            return "refresh";
        }
        if (route.startsWith("/storage/")) {
            return "storage";
        }
        if (route.startsWith("/api/v2/")) {
            return "ingest";
        }
        if (route.startsWith("/api/audit/")) {
            return "audit";
        }
        if (route.startsWith("/admin/")) {
            return "admin";
        }
        if (Routes.OPERATIONAL_PATHS.contains(route)) {
            return "ops";
        }
        return "other";
    }
}
