package io.timestore.server.config;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Metrics and tracing (docs/operations.md).
 *
 * @param perTenantMetrics whether some metrics carry a {@code tenant} label ({@code metrics.per-tenant})
 * @param perTenantLimit   the most distinct tenants (and refresh-freshness series) labelled; later
 *                         ones are counted under {@code tenant="_other"} ({@code metrics.per-tenant-limit})
 * @param otlpEndpoint     where spans are exported over OTLP/HTTP; empty means tracing is off
 * @param serviceName      the {@code service.name} resource attribute of exported spans
 */
public record TelemetrySettings(boolean perTenantMetrics, int perTenantLimit, Optional<URI> otlpEndpoint,
                                String serviceName) {
    public TelemetrySettings {
        Objects.requireNonNull(otlpEndpoint, "otlpEndpoint");
        Objects.requireNonNull(serviceName, "serviceName");
        if (perTenantLimit < 1) {
            throw new IllegalArgumentException("perTenantLimit must be positive, got " + perTenantLimit);
        }
    }

    /** Off: no tenant labels, no tracing. */
    public static TelemetrySettings off() {
        return new TelemetrySettings(false, 100, Optional.empty(), "timestore");
    }

    public TelemetrySettings withPerTenantMetrics(boolean on) {
        return new TelemetrySettings(on, perTenantLimit, otlpEndpoint, serviceName);
    }
}
