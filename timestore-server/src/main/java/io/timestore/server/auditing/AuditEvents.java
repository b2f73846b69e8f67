package io.timestore.server.auditing;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.EventIds;
import io.timestore.audit.Severity;
import io.timestore.audit.redaction.Redactor;
import io.timestore.audit.store.EventStore;
import io.timestore.security.AuthMethod;
import io.timestore.security.Principal;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

/**
 * Turns a finished request into its {@link AuditEvent}: who (the principal, or anonymous), what
 * (the route's operation and the resource the handler named), how it ended, the redacted details.
 *
 * <p>The event id is derived, never random: from the partition and the request's server-generated
 * uid, so a second attempt to record the same request (after a transaction whose commit outcome
 * was unknown) maps to the event already stored, and the store's key keeps it to one (G3). A retry
 * with the same Idempotency-Key is another request: answered from the key, it has no event; run
 * as new (nothing of the first attempt was applied), it has its own (G5). Thread-safe.
 */
public final class AuditEvents {
    private final EventStore sink;
    private final Redactor redactor;
    private final LongAdder redactedFields = new LongAdder();

    public AuditEvents(EventStore sink, Redactor redactor) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.redactor = Objects.requireNonNull(redactor, "redactor");
    }

    /** Starts collecting the event of one request. */
    public RequestAudit begin(RequestAudit.Origin origin, ApiOperation operation) {
        return new RequestAudit(origin, operation, this);
    }

    EventStore sink() {
        return sink;
    }

    /** Fields masked or removed by redaction since start, for {@code timestore_audit_redacted_total}. */
    public long redactedFields() {
        return redactedFields.sum();
    }

    /**
     * The event of {@code audit}'s request, ended with {@code status} and, for failures, the
     * problem's code and detail. Details are redacted here, before anything is stored.
     */
    public AuditEvent event(RequestAudit audit, int status, String errorCode, String errorMessage) {
        var outcome = outcome(status, errorCode, errorMessage);
        var severity = Severity.of(outcome);
        if (audit.minimumSeverity().compareTo(severity) > 0) {
            severity = audit.minimumSeverity();
        }
        var redaction = redactor.redact(audit.details());
        redactedFields.add(redaction.redacted().size());
        var origin = audit.origin();
        var operation = audit.operation();
        return new AuditEvent(
                eventId(audit),
                audit.partition(),
                origin.receivedAt(),
                origin.requestId(),
                origin.traceId(),
                actor(audit),
                new AuditEvent.Operation(operation.action(), operation.component(), operation.resourceType(),
                        audit.resourceId(), audit.datasetId()),
                outcome,
                audit.revisionBefore() == null && audit.revisionAfter() == null ? null
                        : new AuditEvent.Revision(audit.revisionBefore(), audit.revisionAfter()),
                new AuditEvent.Request(origin.method(), origin.path(), origin.sourceIp(), origin.userAgent()),
                redaction.details(),
                severity,
                null);
    }

    static UUID eventId(RequestAudit audit) {
        // Never from the Idempotency-Key: the failed first attempt of a key (a 503, say) has an
        // event of its own, and the retry that then runs must not find its id taken.
        return EventIds.forRequest(audit.partition(), audit.origin().uid());
    }

    private static AuditEvent.Outcome outcome(int status, String errorCode, String errorMessage) {
        if (status < 400) {
            return new AuditEvent.Outcome(AuditEvent.Result.SUCCEEDED, status, null);
        }
        var result = status == 401 || status == 403 ? AuditEvent.Result.DENIED : AuditEvent.Result.FAILED;
        return new AuditEvent.Outcome(result, status,
                new AuditEvent.Problem(errorCode == null ? "http_" + status : errorCode, errorMessage));
    }

    private static AuditEvent.Actor actor(RequestAudit audit) {
        var actor = audit.principal().map(AuditEvents::actor).orElseGet(AuditEvent.Actor::anonymous);
        // A credential admitted only by a legacy rule is recorded as legacy, whatever proved it:
        // operators find every request strict mode would refuse by actor.auth_method = legacy.
        if (audit.legacyRule().isPresent()) {
            return new AuditEvent.Actor(actor.id(), actor.type(), actor.roles(), actor.scopes(), actor.groups(),
                    AuthMethod.LEGACY.label());
        }
        return actor;
    }

    static AuditEvent.Actor actor(Principal principal) {
        var type = switch (principal.kind()) {
            case USER -> AuditEvent.ActorType.USER;
            case SERVICE -> AuditEvent.ActorType.SERVICE;
            case API_TOKEN -> AuditEvent.ActorType.API_TOKEN;
        };
        if (principal.authMethod() == AuthMethod.LEGACY) {
            type = AuditEvent.ActorType.ANONYMOUS;
        }
        return new AuditEvent.Actor(principal.subject(), type, List.copyOf(principal.roles()),
                List.copyOf(principal.scopes()), List.copyOf(principal.groups()),
                principal.authMethod().label());
    }
}
