package io.timestore.server.http;

import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.timestore.security.AuthenticationFailure;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Spans and metrics of admission: one span each for authentication and tenant resolution, and
 * {@code timestore_auth_failures_total{method,reason}} for every refusal. {@code method} comes
 * from the Authorization header's scheme, so it is known even when the credential is refused:
 * {@code jwt}, {@code api_token}, {@code signed_request}, {@code none} (no header) or
 * {@code unknown} (several headers or another scheme). Thread-safe.
 */
public final class SecurityTelemetry {
    private final MeterRegistry registry;
    private final Tracer tracer;

    public SecurityTelemetry(MeterRegistry registry, Tracer tracer) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tracer = Objects.requireNonNull(tracer, "tracer");
    }

    /** Neither spans nor metrics. */
    public static SecurityTelemetry none() {
        return new SecurityTelemetry(new SimpleMeterRegistry(), TracerProvider.noop().get("timestore"));
    }

    /** Runs {@code authentication} in an {@code authenticate} span, counting its refusal. */
    <T> T authenticate(Context ctx, Supplier<T> authentication) {
        return traced("authenticate", ctx, authentication);
    }

    /** Runs {@code resolution} in a {@code resolve tenant} span, counting its refusal. */
    <T> T resolveTenant(Context ctx, Supplier<T> resolution) {
        return traced("resolve tenant", ctx, resolution);
    }

    private <T> T traced(String name, Context ctx, Supplier<T> work) {
        var method = method(Gate.headerValues(ctx, "Authorization"));
        var span = tracer.spanBuilder(name).setAttribute("timestore.auth.method", method).startSpan();
        try (var ignored = span.makeCurrent()) {
            return work.get();
        } catch (AuthenticationFailure failure) {
            span.setStatus(StatusCode.ERROR, failure.label());
            span.setAttribute("timestore.auth.failure", failure.label());
            Counter.builder("timestore.auth.failures")
                    .description("Requests refused by authentication or tenant resolution, by credential kind and reason")
                    .tag("method", method)
                    .tag("reason", failure.label())
                    .register(registry).increment();
            throw failure;
        } finally {
            span.end();
        }
    }

    /** The credential kind an Authorization header names, the way the Authenticator routes it. */
    static String method(List<String> authorization) {
        if (authorization.isEmpty()) {
            return "none";
        }
        if (authorization.size() > 1) {
            return "unknown";
        }
        var header = authorization.getFirst().strip();
        int space = header.indexOf(' ');
        if (space <= 0) {
            return "unknown";
        }
        var scheme = header.substring(0, space).toLowerCase(Locale.ROOT);
        var credential = header.substring(space + 1).strip();
        return switch (scheme) {
            case "bearer" -> credential.chars().filter(c -> c == '.').count() == 2 ? "jwt" : "api_token";
            case "token" -> "api_token";
            case "ts1-hmac-sha256" -> "signed_request";
            default -> "unknown";
        };
    }
}
