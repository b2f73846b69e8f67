package io.timestore.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.Authorizer;
import io.timestore.security.authz.Decision;
import io.timestore.security.authz.Resource;
import io.timestore.security.authz.RouteKind;
import io.timestore.server.problems.Forbidden;
import io.timestore.server.problems.NotFound;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The server's side of authorization: asks the {@link Authorizer} (a pure function of context,
 * action and resource) and turns a denial into the answer the client gets — 403 naming the
 * missing role or scope, 404 for another tenant's resource (so names do not leak), 401 for an
 * unauthenticated legacy caller no rule admits. Counts every decision
 * ({@code timestore_authz_decisions_total{action,result}}) and times it. Thread-safe.
 */
public final class Permissions {
    private final Authorizer authorizer;
    private final MeterRegistry registry;
    private final Timer latency;
    private final Counter errors;
    private final Tracer tracer;

    public Permissions(Authorizer authorizer, MeterRegistry registry) {
        this(authorizer, registry, TracerProvider.noop().get("timestore"));
    }

    /** As above, with an {@code authorize} span around every decision. */
    public Permissions(Authorizer authorizer, MeterRegistry registry, Tracer tracer) {
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tracer = Objects.requireNonNull(tracer, "tracer");
        this.errors = Counter.builder("timestore.authz.errors")
                .description("Authorization decisions that failed with an error instead of allowing or denying")
                .register(registry);
        this.latency = Timer.builder("timestore.authz.decision.duration")
                .description("Time to reach an authorization decision")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100))
                .maximumExpectedValue(Duration.ofMillis(10))
                .register(registry);
    }

    /** Requires {@code action} (a tenant-wide action such as {@code token:manage}) on the caller's tenant. */
    public Decision.Allowed require(SecurityContext security, String action) {
        var parsed = Action.parse(action).orElseThrow(() -> new IllegalArgumentException("unknown action " + action));
        return require(security, parsed, Resource.tenant(security.tenant()), RouteKind.OTHER);
    }

    /**
     * Requires {@code action} on {@code resource}.
     *
     * @throws Forbidden  when a role, scope or token permission is missing
     * @throws NotFound   when the resource belongs to another tenant
     * @throws AuthenticationFailure when an unauthenticated legacy caller is not admitted
     */
    public Decision.Allowed require(SecurityContext security, Action action, Resource resource, RouteKind route) {
        long started = System.nanoTime();
        var span = tracer.spanBuilder("authorize").setAttribute("timestore.action", action.label()).startSpan();
        Decision decision;
        try {
            decision = authorizer.decide(security, action, resource, route);
            span.setAttribute("timestore.authz.result", decision.allowed() ? "allowed" : "denied");
        } catch (RuntimeException error) {
            // A policy that cannot be evaluated refuses (the exception becomes a 500), and is counted.
            errors.increment();
            span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName());
            throw error;
        } finally {
            latency.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            span.end();
        }
        Counter.builder("timestore.authz.decisions")
                .description("Authorization decisions by action and result")
                .tag("action", action.label())
                .tag("result", decision.allowed() ? "allowed" : "denied")
                .register(registry).increment();
        return switch (decision) {
            case Decision.Allowed allowed -> allowed;
            case Decision.Denied denied -> throw refusal(denied);
        };
    }

    /**
     * Requires that the caller may put {@code action} on {@code resource} into an API token it
     * creates: only what it may do itself ({@link Authorizer#decideTokenGrant}).
     *
     * @throws Forbidden 403 naming the role or scope the caller would need
     */
    public void requireTokenGrant(SecurityContext security, Action action, Resource resource) {
        if (authorizer.decideTokenGrant(security, action, resource) instanceof Decision.Denied denied) {
            throw refusal(denied);
        }
    }

    /**
     * Requires that the caller holds every role and scope it gives a signing key
     * ({@link Authorizer#decideKeyGrant}).
     *
     * @throws Forbidden 403 naming the first role or scope the caller does not hold
     */
    public void requireKeyGrant(SecurityContext security, Set<String> roles, Set<String> scopes) {
        if (authorizer.decideKeyGrant(security, roles, scopes) instanceof Decision.Denied denied) {
            throw refusal(denied);
        }
    }

    private static RuntimeException refusal(Decision.Denied denied) {
        return switch (denied.reason()) {
            case TENANT_MISMATCH -> new NotFound("no such resource in this tenant");
            case AUTHENTICATION_REQUIRED -> new AuthenticationFailure(AuthenticationFailure.Reason.CREDENTIALS_MISSING,
                    "this request needs credentials");
            default -> new Forbidden(denied.detail(), denied.missingRole(), denied.missingScope());
        };
    }
}
