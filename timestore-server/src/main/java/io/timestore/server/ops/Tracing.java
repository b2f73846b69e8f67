package io.timestore.server.ops;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.timestore.server.config.TelemetrySettings;
import java.time.Duration;
import java.util.Objects;

/**
 * OpenTelemetry for one server: off (a no-op tracer, nothing recorded) unless an OTLP endpoint is
 * configured, then spans are batched to {@code <endpoint>/v1/traces} over OTLP/HTTP. Never
 * registered globally: the {@link Tracer} is handed to each component through its constructor.
 */
public final class Tracing implements AutoCloseable {
    private static final String INSTRUMENTATION = "io.timestore.server";
    private final OpenTelemetry openTelemetry;
    private final boolean enabled;
    private final AutoCloseable owned;

    private Tracing(OpenTelemetry openTelemetry, boolean enabled, AutoCloseable owned) {
        this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
        this.enabled = enabled;
        this.owned = owned;
    }

    /** Tracing as configured: off without {@code tracing.otlp-endpoint}. */
    public static Tracing from(TelemetrySettings settings, String version) {
        if (settings.otlpEndpoint().isEmpty()) {
            return new Tracing(OpenTelemetry.noop(), false, () -> {});
        }
        var endpoint = settings.otlpEndpoint().get().toString().replaceAll("/+$", "") + "/v1/traces";
        var exporter = OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setTimeout(Duration.ofSeconds(10)).build();
        var resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), settings.serviceName(),
                AttributeKey.stringKey("service.version"), version)));
        var provider = SdkTracerProvider.builder()
                .setResource(resource)
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                .build();
        var sdk = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
        return new Tracing(sdk, true, sdk);
    }

    /**
     * Tracing through an OpenTelemetry the caller owns (tests pass an SDK with an in-memory
     * exporter); closing this does not close it.
     */
    public static Tracing using(OpenTelemetry openTelemetry) {
        return new Tracing(openTelemetry, true, () -> {});
    }

    public Tracer tracer() {
        return openTelemetry.getTracer(INSTRUMENTATION);
    }

    /** Whether spans are recorded; when off, the request's trace context is Timestore's own. */
    public boolean enabled() {
        return enabled;
    }

    /** Flushes and stops the exporter, if this instance created one. */
    @Override
    public void close() {
        try {
            owned.close();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(Tracing.class).warn("could not flush traces on shutdown: {}", e.getMessage());
        }
    }
}
