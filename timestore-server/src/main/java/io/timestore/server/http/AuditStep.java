package io.timestore.server.http;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.audit.AuditRecorder;
import io.timestore.audit.AuditUnavailable;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.AuditEventIds;
import io.timestore.server.auditing.AuditEvents;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.idempotency.IdempotentRequests;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The one step around every API route (G3, G4): admits the request through the {@link Gate},
 * runs the handler, turns any failure into its problem response, and makes sure exactly one audit
 * event exists before the client hears anything. A mutation commits its event with its change;
 * any other outcome is recorded here through group commit, and the response waits for it — at
 * most {@code maxWait}, after which the client gets 503 {@code audit_unavailable} instead.
 *
 * <p>Whether a mutation runs at all is {@link IdempotentRequests}'s answer (G5); this step reads
 * the key and content from the request and sends what it is told to replay. Its counters and the
 * wait timer are {@link AuditMetrics}.
 */
public final class AuditStep {

    /** How the step behaves. */
    public record Settings(Duration maxWait, boolean recordDenied) {
        public Settings {
            Objects.requireNonNull(maxWait, "maxWait");
        }
    }

    private final AuditEvents events;
    private final IdempotentRequests idempotency;
    private final AuditRecorder recorder;
    private final Problems problems;
    private final Settings settings;
    private final AuditMetrics metrics;
    private final io.opentelemetry.api.trace.Tracer tracer;

    public AuditStep(AuditEvents events, AuditRecorder recorder, IdempotentRequests idempotency, Problems problems,
                     Settings settings, MeterRegistry registry) {
        this(events, recorder, idempotency, problems, settings, registry,
                io.opentelemetry.api.trace.TracerProvider.noop().get("timestore"));
    }

    /** As above, with an {@code audit wait} span for the time a response waits for its event. */
    public AuditStep(AuditEvents events, AuditRecorder recorder, IdempotentRequests idempotency, Problems problems,
                     Settings settings, MeterRegistry registry, io.opentelemetry.api.trace.Tracer tracer) {
        this.tracer = Objects.requireNonNull(tracer, "tracer");
        this.events = Objects.requireNonNull(events, "events");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.recorder = Objects.requireNonNull(recorder, "recorder");
        this.problems = Objects.requireNonNull(problems, "problems");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = new AuditMetrics(Objects.requireNonNull(registry, "registry"));
    }

    /** Runs {@code handler} for one request of {@code operation}, admitted by {@code gate}. */
    void run(Context ctx, ApiOperation operation, Gate gate, SecuredHandler handler) {
        execute(ctx, operation, handler,
                (request, audit) -> admitToTenant(ctx, gate, request, audit, gate.authenticate(ctx, operation, audit::authenticated)));
    }

    /** Resolves {@code principal}'s tenant, records the admission, then applies the tenant's rate limits. */
    private static SecurityContext admitToTenant(Context ctx, Gate gate, RequestContext request, RequestAudit audit, Principal principal) {
        var security = gate.resolve(ctx, principal, request);
        audit.admitted(security);
        org.slf4j.MDC.put("tenant", security.tenant().value());
        org.slf4j.MDC.put("actor", principal.subject());
        gate.limit(security);
        return security;
    }

    /** How a kind of route admits a request: who calls, and in which context it may act. */
    @FunctionalInterface
    private interface Admission {
        SecurityContext admit(RequestContext request, RequestAudit audit) throws Exception;
    }

    /**
     * The one sequence every API route shares: admit, run once (idempotency), turn failures into
     * problems, make the event durable, then keep the reply of a request that changed nothing.
     */
    private void execute(Context ctx, ApiOperation operation, SecuredHandler handler, Admission admission) {
        RequestContext request = ctx.attribute(RequestContext.ATTRIBUTE);
        var audit = events.begin(origin(ctx, request), operation);
        Problems.Problem problem = null;
        boolean failed = false;
        Optional<IdempotentRequests.Held> held = Optional.empty();
        try {
            var security = admission.admit(request, audit);
            held = handleOnce(ctx, operation, security, audit, handler);
        } catch (HandlerFailure failure) {
            held = Optional.of(failure.held);
            var handled = problems.handle((Exception) failure.getCause(), ctx);
            if (!answeredFromKey(ctx, audit, failure.held)) {
                failed = true;
                problem = handled;
            }
        } catch (Exception failure) {
            failed = true;
            problem = problems.handle(failure, ctx);
        }
        boolean recorded = finish(ctx, audit, failed, problem);
        if (recorded && operation.mutation()) {
            stampEventId(ctx, audit);
        }
        held.ifPresent(key -> keepIfNothingCommitted(ctx, audit, key));
    }

    /**
     * The receipt of a mutation: its response names its audit event (a replay's kept reply already
     * names the original's), in a header and, for a JSON object body, a member.
     */
    private static void stampEventId(Context ctx, RequestAudit audit) {
        var id = audit.eventId();
        ctx.header(AuditEventIds.HEADER, id.toString());
        var body = ctx.result();
        if (body != null) {
            var bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            var stamped = AuditEventIds.stampBody(bytes, ctx.res().getContentType(), id);
            if (stamped != bytes) {
                ctx.result(stamped);
            }
        }
    }

    /**
     * Runs the handler, unless the request is a mutation whose Idempotency-Key was already used
     * by this principal: then the kept reply is sent again and the handler does not run. Returns
     * the key this request holds; a mutation's transaction keeps its reply under it (G5).
     */
    private Optional<IdempotentRequests.Held> handleOnce(Context ctx, ApiOperation operation, SecurityContext security,
                                                         RequestAudit audit, SecuredHandler handler) throws Exception {
        var key = operation.mutation()
                ? IdempotentRequests.key(Gate.headerValues(ctx, "Idempotency-Key"))
                : Optional.<String>empty();
        if (key.isEmpty()) {
            handler.handle(ctx, security, audit);
            return Optional.empty();
        }
        var held = new IdempotentRequests.Held(security, key.get(), fingerprint(ctx));
        var earlier = idempotency.begin(held, audit);
        if (earlier.isPresent()) {
            replay(ctx, audit, earlier.get());
            return Optional.empty();
        }
        try {
            handler.handle(ctx, security, audit);
        } catch (Exception failure) {
            // The failure is answered as usual, unless another attempt with the key ended meanwhile.
            throw new HandlerFailure(failure, held);
        }
        return Optional.of(held);
    }

    /** Carries the held key past the handler's failure. */
    private static final class HandlerFailure extends Exception {
        private final transient IdempotentRequests.Held held;

        HandlerFailure(Exception cause, IdempotentRequests.Held held) {
            super(cause);
            this.held = held;
        }
    }

    private static void replay(Context ctx, RequestAudit audit, Reply reply) {
        audit.replayed();
        Replies.send(ctx, reply);
        ctx.header("Idempotent-Replayed", "true");
    }

    /** After the handler failed: answers with the reply of an attempt with the same key that ended meanwhile. */
    private boolean answeredFromKey(Context ctx, RequestAudit audit, IdempotentRequests.Held held) {
        var kept = idempotency.keptAfterFailure(held);
        kept.ifPresent(reply -> replay(ctx, audit, reply));
        return kept.isPresent();
    }

    /**
     * A request that committed nothing but was answered below 500 (a refusal, which a retry would
     * get again) keeps its reply now. Nothing is kept for a 5xx: the retry runs as new.
     */
    private void keepIfNothingCommitted(Context ctx, RequestAudit audit, IdempotentRequests.Held held) {
        if (audit.committed() || audit.isReplay() || ctx.statusCode() >= 500) {
            return;
        }
        var body = ctx.result() == null ? new byte[0] : ctx.result().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var headers = new java.util.TreeMap<String, String>();
        for (var name : java.util.List.of("Location", "ETag", AuditEventIds.HEADER)) {
            var value = ctx.res().getHeader(name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        idempotency.keepRefusal(held, new Reply(ctx.statusCode(), Optional.ofNullable(ctx.res().getContentType()), headers, body));
    }

    private static byte[] fingerprint(Context ctx) {
        return IdempotentRequests.fingerprint(ctx.method().name(), ctx.path(), String.valueOf(ctx.queryString()),
                String.valueOf(ctx.contentType()), ctx.bodyAsBytes());
    }

    /**
     * Runs a platform route (tenant administration): authenticated like any other, but acting on
     * the platform rather than on one tenant, so no tenant is resolved from X-Tenant-ID; the
     * handler must require {@code tenant:admin}. The event goes to the platform partition.
     */
    void runPlatform(Context ctx, ApiOperation operation, Gate gate, SecuredHandler handler) {
        execute(ctx, operation, handler, (request, audit) -> {
            var principal = gate.authenticate(ctx, audit::authenticated);
            var security = gate.platform(principal, request);
            audit.admittedToPlatform(security);
            org.slf4j.MDC.put("actor", principal.subject());
            return security;
        });
    }

    /**
     * Runs a route that platform operators may call on the platform as a whole (the audit reads):
     * a platform operator's JWT without X-Tenant-ID is admitted as on a platform route — its
     * request resolves to the platform partition, where its event goes — and any other request as
     * on a tenant route, so a caller that is not an operator and resolves no tenant is refused (G1).
     */
    void runTenantOrPlatform(Context ctx, ApiOperation operation, Gate gate, SecuredHandler handler) {
        execute(ctx, operation, handler, (request, audit) -> {
            var principal = gate.authenticate(ctx, audit::authenticated);
            SecurityContext security;
            if (gate.actsOnPlatform(ctx, principal)) {
                security = gate.platform(principal, request);
                audit.admittedToPlatform(security);
            } else {
                security = gate.resolve(ctx, principal, request);
                audit.admitted(security);
                org.slf4j.MDC.put("tenant", security.tenant().value());
                gate.limit(security);
            }
            org.slf4j.MDC.put("actor", principal.subject());
            return security;
        });
    }

    /**
     * Runs a route that issues the credential it is admitted with (the console's development
     * sign-in): {@code issuer} validates the request and issues a bearer token, which is then
     * authenticated and resolved to its one tenant like any presented credential, so the event
     * names the signed-in actor and goes to its tenant. A refusal before a token exists is
     * recorded like any unauthenticated failure.
     */
    void runIssuing(Context ctx, ApiOperation operation, Gate gate, Routes.Issuer issuer, SecuredHandler handler) {
        execute(ctx, operation, handler, (request, audit) -> {
            var token = issuer.issue(ctx);
            ctx.attribute(Routes.Issuer.ISSUED, token);
            return admitToTenant(ctx, gate, request, audit, gate.authenticateIssued(ctx, token, audit::authenticated));
        });
    }

    /** Records the event of a request no route matched (404/405): it resolves no tenant. */
    void recordUnmatched(Context ctx, Problems.Problem problem) {
        RequestContext request = ctx.attribute(RequestContext.ATTRIBUTE);
        if (request == null) {
            return;
        }
        var audit = events.begin(origin(ctx, request), ApiOperation.read("http:unmatched", "http", "route"));
        finish(ctx, audit, true, problem);
    }

    /** Makes the request's event durable unless it is already; true when the request has one now. */
    private boolean finish(Context ctx, RequestAudit audit, boolean failed, Problems.Problem problem) {
        // A mutation that committed its event and then returned normally is done; after a failure
        // the event is recorded here with the same id, so if the transaction did commit after all,
        // the store keeps the committed one (exactly one event per request either way).
        audit.legacyRule().ifPresent(rule -> metrics.legacyRequest(ctx, rule));
        if (audit.isReplay()) {
            return false;
        }
        if (audit.committed() && !failed) {
            metrics.eventDurable("succeeded");
            // Durable already, with the work's transaction: the wait is nil, and the span says so.
            tracer.spanBuilder("audit wait").setAttribute("timestore.audit.path", "with_transaction").startSpan().end();
            return true;
        }
        int status = ctx.statusCode();
        if (!settings.recordDenied() && (status == 401 || status == 403)) {
            return false;
        }
        long started = System.nanoTime();
        var span = tracer.spanBuilder("audit wait").setAttribute("timestore.audit.path", "group_commit").startSpan();
        try {
            var event = events.event(audit, status, problem == null ? null : problem.code(),
                    problem == null ? null : problem.detail());
            recorder.recordAndWait(event, settings.maxWait());
            metrics.eventDurable(event.outcome().result().name().toLowerCase(java.util.Locale.ROOT));
            return true;
        } catch (AuditUnavailable unavailable) {
            metrics.writeFailed();
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, "audit_unavailable");
            problems.auditUnavailable(ctx, unavailable);
            return false;
        } finally {
            metrics.waited(Duration.ofNanos(System.nanoTime() - started));
            span.end();
        }
    }

    private static RequestAudit.Origin origin(Context ctx, RequestContext request) {
        return new RequestAudit.Origin(request.requestId(), request.uid(), request.trace().traceId(), request.receivedAt(),
                ctx.method().name(), ctx.path(), SourceAddress.of(ctx), ctx.header("User-Agent"));
    }
}
