package io.timestore.audit;

import io.timestore.audit.canonical.EventText;
import io.timestore.audit.canonical.Labels;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One audit event: what one API request did, who asked, and how it ended. The JSON member names
 * ({@code event_id}, {@code tenant_id}, ... see {@link AuditJson} and {@code docs/audit-events.md})
 * are the public contract; this record is its Java form. Immutable and thread-safe.
 *
 * <p>Normalisation happens here, once, so that what is stored, what is served and what is hashed
 * are the same value: strings are cleaned (U+0000 and lone surrogates become U+FFFD),
 * {@code occurred_at} is truncated to whole microseconds (PostgreSQL {@code timestamptz} keeps no
 * more, and a hash must survive the round trip), label lists are sorted and de-duplicated, and
 * free text from outside ({@code request.path}, {@code request.user_agent}, {@code error.message})
 * is cut to a documented length rather than refused, because refusing an audit event turns a
 * request into a 503.
 *
 * @param eventId    deterministic id, see {@link EventIds}
 * @param tenantId   the tenant, or {@link #PLATFORM_PARTITION} when no tenant was resolved
 * @param occurredAt when the request was received (UTC, microsecond precision)
 * @param requestId  the request's correlation id
 * @param traceId    W3C trace id, or {@code null}
 * @param actor      who called
 * @param operation  what was attempted, on what
 * @param outcome    how it ended
 * @param revision   the versioned resource's revision before and after, or {@code null}
 * @param request    the HTTP request line and client
 * @param details    redacted, operation-specific facts (never {@code null}; may be empty)
 * @param severity   see {@link Severity}
 * @param seal       the chain position, {@code null} until the sequencer sealed the event
 */
public record AuditEvent(
        UUID eventId,
        String tenantId,
        Instant occurredAt,
        String requestId,
        String traceId,
        Actor actor,
        Operation operation,
        Outcome outcome,
        Revision revision,
        Request request,
        Details details,
        Severity severity,
        Seal seal) {

    /**
     * The partition of events whose request resolved no tenant (bad credentials, unknown tenant).
     * Tenant ids never start with {@code _}, so it cannot collide; only platform operators read it.
     */
    public static final String PLATFORM_PARTITION = "_platform";

    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    public AuditEvent {
        Objects.requireNonNull(eventId, "eventId");
        tenantId = checkPartition(tenantId);
        Objects.requireNonNull(occurredAt, "occurredAt");
        if (occurredAt.isBefore(EARLIEST) || occurredAt.isAfter(LATEST)) {
            throw new IllegalArgumentException("occurredAt must be within years 0001-9999 (found " + occurredAt + ")");
        }
        occurredAt = occurredAt.truncatedTo(ChronoUnit.MICROS);
        requestId = EventText.required(requestId, "requestId", 256);
        traceId = EventText.optional(traceId, "traceId", 256);
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(details, "details");
        Objects.requireNonNull(severity, "severity");
    }

    /** The tenant, or empty for the {@link #PLATFORM_PARTITION}. */
    public Optional<String> tenant() {
        return PLATFORM_PARTITION.equals(tenantId) ? Optional.empty() : Optional.of(tenantId);
    }

    public boolean isSealed() {
        return seal != null;
    }

    /** This event with the given seal (or unsealed with {@code null}). */
    public AuditEvent withSeal(Seal newSeal) {
        return new AuditEvent(eventId, tenantId, occurredAt, requestId, traceId, actor, operation, outcome,
                revision, request, details, severity, newSeal);
    }

    public AuditEvent withDetails(Details newDetails) {
        return new AuditEvent(eventId, tenantId, occurredAt, requestId, traceId, actor, operation, outcome,
                revision, request, newDetails, severity, seal);
    }

    /**
     * Checks a partition name: a tenant id or {@link #PLATFORM_PARTITION}.
     *
     * @return {@code tenantId}, for use in constructors
     * @throws IllegalArgumentException naming the rule when it is neither
     */
    public static String checkPartition(String tenantId) {
        Objects.requireNonNull(tenantId, "tenantId (use AuditEvent.PLATFORM_PARTITION when no tenant was resolved)");
        if (PLATFORM_PARTITION.equals(tenantId)) {
            return tenantId;
        }
        return EventText.matching(tenantId, "tenantId", TENANT);
    }

    /** What kind of caller acted. */
    public enum ActorType {
        /** A person, authenticated through the identity provider. */
        USER,
        /** A machine caller (machine-to-machine JWT, signed request). */
        SERVICE,
        /** The holder of an API token. */
        API_TOKEN,
        /** Nobody was authenticated (missing or bad credentials, legacy unauthenticated ingestion). */
        ANONYMOUS,
        /** The server itself (retention purge, sequencer). */
        SYSTEM
    }

    /**
     * Who called.
     *
     * @param id         the principal's stable id (JWT {@code sub}, token id, key id); {@code null}
     *                   only for {@link ActorType#ANONYMOUS}
     * @param authMethod how it authenticated: {@code jwt}, {@code api_token}, {@code signed_request},
     *                   {@code legacy}, {@code none}, {@code internal} (lower-case token)
     */
    public record Actor(String id, ActorType type, List<String> roles, List<String> scopes, List<String> groups,
            String authMethod) {
        private static final Pattern AUTH_METHOD = Pattern.compile("[a-z][a-z0-9_]{0,31}");

        public Actor {
            Objects.requireNonNull(type, "type");
            id = EventText.optional(id, "actor id", 256);
            if (id == null && type != ActorType.ANONYMOUS) {
                throw new IllegalArgumentException("actor id is required for a " + Labels.of(type) + " actor");
            }
            roles = EventText.labels(roles, "roles");
            scopes = EventText.labels(scopes, "scopes");
            groups = EventText.labels(groups, "groups");
            authMethod = EventText.matching(authMethod, "authMethod", AUTH_METHOD);
        }

        /** An unauthenticated caller. */
        public static Actor anonymous() {
            return new Actor(null, ActorType.ANONYMOUS, List.of(), List.of(), List.of(), "none");
        }

        /** The same actor under another id (the support view replaces ids by pseudonyms). */
        public Actor withId(String newId) {
            return new Actor(newId, type, roles, scopes, groups, authMethod);
        }
    }

    /**
     * What was attempted, on what.
     *
     * @param action       the attempted action, e.g. {@code dataset:write} or {@code audit:list}
     * @param component    the feature that handled it, e.g. {@code points}, {@code audit}
     * @param resourceType e.g. {@code dataset}, {@code token}; {@code null} when none
     * @param resourceId   the resource's id when known at the time of the event, else {@code null}
     * @param datasetId    the dataset involved, else {@code null}
     */
    public record Operation(String action, String component, String resourceType, String resourceId,
            String datasetId) {
        public Operation {
            action = EventText.required(action, "action", 128);
            component = EventText.required(component, "component", 64);
            resourceType = EventText.optional(resourceType, "resourceType", 64);
            resourceId = EventText.optional(resourceId, "resourceId", 512);
            datasetId = EventText.optional(datasetId, "datasetId", 256);
        }
    }

    /** How a request ended; serialised in lower case. */
    public enum Result {
        SUCCEEDED, FAILED, DENIED
    }

    /**
     * How the request ended.
     *
     * @param status the HTTP status sent, 100-599: below 400 exactly when {@code result} is succeeded
     * @param error  the problem's stable code and message; {@code null} on success
     */
    public record Outcome(Result result, int status, Problem error) {
        public Outcome {
            Objects.requireNonNull(result, "result");
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("status must be an HTTP status 100-599 (found " + status + ")");
            }
            if ((result == Result.SUCCEEDED) != (status < 400)) {
                throw new IllegalArgumentException("result %s does not fit status %d".formatted(Labels.of(result), status));
            }
            if (result == Result.SUCCEEDED && error != null) {
                throw new IllegalArgumentException("a succeeded outcome carries no error");
            }
        }

        public static Outcome succeeded(int status) {
            return new Outcome(Result.SUCCEEDED, status, null);
        }
    }

    /**
     * The problem sent to the caller.
     *
     * @param code    the stable problem code, e.g. {@code missing_role}
     * @param message the problem's detail, cut to 1024 characters; may be {@code null}
     */
    public record Problem(String code, String message) {
        public Problem {
            code = EventText.required(code, "error code", 128);
            message = EventText.truncated(message, 1024);
        }
    }

    /** Revisions of a versioned resource, as opaque strings; {@code before} is null on create, {@code after} on delete. */
    public record Revision(String before, String after) {
        public Revision {
            before = EventText.optional(before, "revision before", 256);
            after = EventText.optional(after, "revision after", 256);
            if (before == null && after == null) {
                throw new IllegalArgumentException("a revision needs before or after (use no revision instead)");
            }
        }
    }

    /**
     * The HTTP request.
     *
     * @param method    the method, upper case
     * @param path      the path without the query string (queries may carry secrets; put what
     *                  matters, redacted, in details), cut to 2048 characters
     * @param sourceIp  the client address as seen by the server, or {@code null}
     * @param userAgent the {@code User-Agent} header cut to 512 characters, or {@code null}
     */
    public record Request(String method, String path, String sourceIp, String userAgent) {
        private static final Pattern METHOD = Pattern.compile("[A-Z][A-Z0-9_-]{0,15}");

        public Request {
            method = EventText.matching(method, "method", METHOD);
            Objects.requireNonNull(path, "path");
            path = EventText.truncated(path, 2048);
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with / (found \"" + path + "\")");
            }
            sourceIp = EventText.optional(sourceIp, "sourceIp", 64);
            userAgent = EventText.truncated(userAgent, 512);
        }
    }
}
