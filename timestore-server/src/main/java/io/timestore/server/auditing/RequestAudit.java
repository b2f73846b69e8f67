package io.timestore.server.auditing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.Severity;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.LegacyRule;
import java.sql.Connection;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Everything one request's audit event will say, gathered while the request runs. Handlers and
 * services add what they learn (the resource, the dataset, counts, revisions); a mutation calls
 * {@link #commit} inside its transaction so the event is durable exactly when the change is (G4),
 * and with them the reply kept under the request's Idempotency-Key, if it sent one (G5). If
 * nothing committed the event, the {@code AuditStep} records it through group commit at the end.
 *
 * <p>Confined to the request's thread; not thread-safe.
 */
public final class RequestAudit {
    /** The request's identity and HTTP facts, fixed when it arrives. */
    public record Origin(String requestId, String uid, String traceId, Instant receivedAt,
                         String method, String path, String sourceIp, String userAgent) {
        public Origin {
            Objects.requireNonNull(requestId, "requestId");
            Objects.requireNonNull(uid, "uid");
            Objects.requireNonNull(receivedAt, "receivedAt");
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
        }
    }

    private final Origin origin;
    private final ApiOperation operation;
    private final AuditEvents events;
    private final ObjectNode details = JsonNodeFactory.instance.objectNode();
    private String resourceId;
    private String datasetId;
    private String revisionBefore;
    private String revisionAfter;
    private Principal principal;
    private SecurityContext security;
    private boolean platformScope;
    private ReplyKeeper replyKeeper;
    private Severity minimumSeverity = Severity.INFO;
    private UUID committedEventId;
    private boolean replayed;
    private LegacyRule legacyRule;

    RequestAudit(Origin origin, ApiOperation operation, AuditEvents events) {
        this.origin = Objects.requireNonNull(origin, "origin");
        this.operation = Objects.requireNonNull(operation, "operation");
        this.events = Objects.requireNonNull(events, "events");
    }

    public RequestAudit resource(String id) {
        this.resourceId = id;
        return this;
    }

    public RequestAudit dataset(String id) {
        this.datasetId = id;
        if (resourceId == null && "dataset".equals(operation.resourceType())) {
            this.resourceId = id;
        }
        return this;
    }

    /** Adds an operation-specific fact; values are redacted before storage. */
    public RequestAudit detail(String name, JsonNode value) {
        details.set(name, value);
        return this;
    }

    public RequestAudit detail(String name, long value) {
        details.put(name, value);
        return this;
    }

    public RequestAudit detail(String name, String value) {
        details.put(name, value);
        return this;
    }

    public RequestAudit revision(Long before, Long after) {
        this.revisionBefore = before == null ? null : Long.toString(before);
        this.revisionAfter = after == null ? null : Long.toString(after);
        return this;
    }

    /** Raises the event's severity (never lowers it), e.g. to {@code security} for cross-tenant reads. */
    public RequestAudit atLeast(Severity severity) {
        if (severity.compareTo(minimumSeverity) > 0) {
            minimumSeverity = severity;
        }
        return this;
    }

    /**
     * Marks the request as admitted only by a legacy-mode rule (docs/architecture.md §6): the event's
     * {@code actor.auth_method} becomes {@code legacy} and {@code details.legacy_rule} names the rule.
     */
    public RequestAudit legacy(LegacyRule rule) {
        this.legacyRule = Objects.requireNonNull(rule, "rule");
        details.put("legacy_rule", rule.label());
        return this;
    }

    /** The legacy rule that admitted the request, if one did. */
    public Optional<LegacyRule> legacyRule() {
        return Optional.ofNullable(legacyRule);
    }

    /** Called by the audit step once the credential is verified, even if tenant resolution then fails. */
    public void authenticated(Principal who) {
        this.principal = who;
    }

    /** Called by the audit step once the request is bound to its tenant. */
    public void admitted(SecurityContext context) {
        this.security = context;
        this.principal = context.principal();
    }

    /**
     * Called by the audit step for platform routes (tenant administration): the event belongs to
     * the platform partition, which only operators read, whatever tenant the operator's token names.
     */
    public void admittedToPlatform(SecurityContext context) {
        admitted(context);
        this.platformScope = true;
    }

    /** Keeps a mutation's reply under the Idempotency-Key its request holds, in the mutation's transaction. */
    @FunctionalInterface
    public interface ReplyKeeper {
        /**
         * Stores {@code reply} in {@code transaction}.
         *
         * @throws RuntimeException when the key is no longer free (another request with it was
         *                          applied first) or the store fails: the transaction must roll back
         */
        void keep(Connection transaction, Reply reply);
    }

    /**
     * Called by the audit step when the request holds an Idempotency-Key: {@link #commit} then keeps
     * the reply under it, in the same transaction as the change and the event.
     */
    public void keepReplyWith(ReplyKeeper keeper) {
        this.replyKeeper = Objects.requireNonNull(keeper, "keeper");
    }

    /**
     * As {@link #commit(Connection, Reply)}, for a reply without a body ({@code 204}).
     */
    public void commit(Connection transaction, int status) {
        commit(transaction, Reply.empty(status));
    }

    /**
     * Inserts this request's success event into {@code transaction}, and keeps {@code reply} under
     * the request's Idempotency-Key if it holds one, so both commit or roll back with the mutation.
     * Call it last in the transaction's work, with exactly the reply the client will get.
     *
     * @throws io.timestore.audit.AuditUnavailable when the insert fails; the transaction must roll back
     * @throws io.timestore.server.problems.Conflict   when another request with the same Idempotency-Key
     *                                              was applied first; the transaction must roll back
     */
    public void commit(Connection transaction, Reply reply) {
        if (committedEventId != null) {
            throw new IllegalStateException("the audit event of request " + origin.requestId() + " is already committed");
        }
        var event = events.event(this, reply.status(), null, null);
        if (replyKeeper != null) {
            // First: a duplicate that lost the race for the key fails here, before writing its event.
            // The kept reply carries the event's id, as the response does (AuditStep), so a replay does too.
            replyKeeper.keep(transaction, AuditEventIds.stamp(reply, event.eventId()));
        }
        events.sink().append(transaction, event);
        committedEventId = event.eventId();
    }

    /**
     * Makes this request's success event durable now, in its own commit, before a response is
     * streamed (an export cannot wait for its end to be acknowledged: its first bytes are the
     * acknowledgement). If streaming then fails the stored event still says {@code status}.
     */
    public void commitNow(int status) {
        if (committedEventId != null) {
            throw new IllegalStateException("the audit event of request " + origin.requestId() + " is already committed");
        }
        var event = events.event(this, status, null, null);
        events.sink().append(java.util.List.of(event));
        committedEventId = event.eventId();
    }

    /**
     * Called by the audit step when the request was answered from its Idempotency-Key: it is the
     * retry of a request that already has its one event, so none is recorded (G5).
     */
    public void replayed() {
        this.replayed = true;
    }

    public boolean isReplay() {
        return replayed;
    }

    public boolean committed() {
        return committedEventId != null;
    }

    /**
     * The id of this request's audit event: derived from its partition and uid (see
     * {@link AuditEvents}), so it is known before the event is stored; fixed once the request is
     * admitted.
     */
    public java.util.UUID eventId() {
        return committedEventId != null ? committedEventId : AuditEvents.eventId(this);
    }

    Origin origin() {
        return origin;
    }

    ApiOperation operation() {
        return operation;
    }

    ObjectNode details() {
        return details;
    }

    String resourceId() {
        return resourceId;
    }

    String datasetId() {
        return datasetId;
    }

    String revisionBefore() {
        return revisionBefore;
    }

    String revisionAfter() {
        return revisionAfter;
    }

    Optional<Principal> principal() {
        return Optional.ofNullable(principal);
    }

    Optional<SecurityContext> security() {
        return Optional.ofNullable(security);
    }

    Severity minimumSeverity() {
        return minimumSeverity;
    }

    /**
     * The partition the event belongs to: the resolved tenant, or the platform partition for a
     * request admitted to the platform (or that resolved no tenant). It is also the partition an
     * audit read reads when it names none: a caller's own.
     */
    public String partition() {
        if (platformScope) {
            return AuditEvent.PLATFORM_PARTITION;
        }
        return security().map(s -> s.tenant().value()).orElse(AuditEvent.PLATFORM_PARTITION);
    }
}
