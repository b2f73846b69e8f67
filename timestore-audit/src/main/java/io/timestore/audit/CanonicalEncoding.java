package io.timestore.audit;

import io.timestore.audit.AuditEvent.Actor;
import io.timestore.audit.AuditEvent.Operation;
import io.timestore.audit.AuditEvent.Outcome;
import io.timestore.audit.AuditEvent.Request;
import io.timestore.audit.canonical.CanonicalOutput;
import io.timestore.audit.canonical.Labels;
import java.util.List;

/**
 * Canonical form version 1 of an event's content, the bytes that are hashed into the chain:
 *
 * <pre>
 *   canonical_bytes = "ts-audit-v1" || 0x0A || JCS(event JSON without seq, prev_hash, hash)
 * </pre>
 *
 * where JCS is the RFC 8785 JSON Canonicalization Scheme, applied to the event exactly as
 * {@link AuditJson} writes it (every member present, {@code null} when empty). An outside tool can
 * therefore reproduce the bytes from a stored event with any RFC 8785 implementation; see
 * {@code docs/audit-events.md}. This class writes the same bytes directly from the record — member
 * names pre-sorted, no intermediate tree — because the verifier hashes a million events a second.
 *
 * <p>An instance reuses one buffer: not thread-safe, use one per thread. The static
 * {@link #encode(AuditEvent)} allocates and is thread-safe.
 */
public final class CanonicalEncoding {
    /** The version prefix; a future v2 gets a new prefix and a new member in the event. */
    public static final String VERSION = "ts-audit-v1";

    // Enum labels looked up by ordinal: toLowerCase per event would allocate in the hot loop.
    private static final String[] SEVERITIES = labels(Severity.values());
    private static final String[] ACTOR_TYPES = labels(AuditEvent.ActorType.values());
    private static final String[] RESULTS = labels(AuditEvent.Result.values());

    private final CanonicalOutput out = new CanonicalOutput(1024);

    /** The canonical bytes of the event's content (its seal, if any, is ignored). */
    public static byte[] encode(AuditEvent event) {
        var encoding = new CanonicalEncoding();
        encoding.write(event);
        return encoding.out.toByteArray();
    }

    /**
     * Writes the canonical bytes into this instance's buffer, replacing what was there; read them
     * with {@link #buffer()} and {@link #length()} until the next call.
     */
    public void write(AuditEvent e) {
        out.reset();
        out.ascii(VERSION).raw('\n');
        // Members in RFC 8785 order: sorted by UTF-16 code units of the names (all ASCII here).
        out.ascii("{\"actor\":");
        actor(e.actor());
        out.ascii(",\"details\":").bytes(e.details().canonicalBytes());
        out.ascii(",\"event_id\":").uuid(e.eventId());
        out.ascii(",\"occurred_at\":").timestamp(e.occurredAt());
        out.ascii(",\"operation\":");
        operation(e.operation());
        out.ascii(",\"outcome\":");
        outcome(e.outcome());
        out.ascii(",\"request\":");
        request(e.request());
        out.ascii(",\"request_id\":").string(e.requestId());
        out.ascii(",\"revision\":");
        if (e.revision() == null) {
            out.ascii("null");
        } else {
            out.ascii("{\"after\":").stringOrNull(e.revision().after())
                    .ascii(",\"before\":").stringOrNull(e.revision().before()).raw('}');
        }
        out.ascii(",\"severity\":").string(SEVERITIES[e.severity().ordinal()]);
        out.ascii(",\"tenant_id\":").string(e.tenantId());
        out.ascii(",\"trace_id\":").stringOrNull(e.traceId());
        out.raw('}');
    }

    /** The buffer {@link #write} filled; only its first {@link #length()} bytes are the encoding. Not a copy. */
    public byte[] buffer() {
        return out.buffer();
    }

    /** How many bytes of {@link #buffer()} the last {@link #write} produced. */
    public int length() {
        return out.size();
    }

    private void actor(Actor a) {
        out.ascii("{\"auth_method\":").string(a.authMethod());
        out.ascii(",\"groups\":");
        list(a.groups());
        out.ascii(",\"id\":").stringOrNull(a.id());
        out.ascii(",\"roles\":");
        list(a.roles());
        out.ascii(",\"scopes\":");
        list(a.scopes());
        out.ascii(",\"type\":").string(ACTOR_TYPES[a.type().ordinal()]);
        out.raw('}');
    }

    private void operation(Operation op) {
        out.ascii("{\"action\":").string(op.action());
        out.ascii(",\"component\":").string(op.component());
        out.ascii(",\"dataset_id\":").stringOrNull(op.datasetId());
        out.ascii(",\"resource_id\":").stringOrNull(op.resourceId());
        out.ascii(",\"resource_type\":").stringOrNull(op.resourceType());
        out.raw('}');
    }

    private void outcome(Outcome o) {
        out.ascii("{\"error\":");
        if (o.error() == null) {
            out.ascii("null");
        } else {
            out.ascii("{\"code\":").string(o.error().code())
                    .ascii(",\"message\":").stringOrNull(o.error().message()).raw('}');
        }
        out.ascii(",\"result\":").string(RESULTS[o.result().ordinal()]);
        out.ascii(",\"status\":").integer(o.status());
        out.raw('}');
    }

    private void request(Request r) {
        out.ascii("{\"method\":").string(r.method());
        out.ascii(",\"path\":").string(r.path());
        out.ascii(",\"source_ip\":").stringOrNull(r.sourceIp());
        out.ascii(",\"user_agent\":").stringOrNull(r.userAgent());
        out.raw('}');
    }

    private static String[] labels(Enum<?>[] values) {
        return java.util.Arrays.stream(values).map(Labels::of).toArray(String[]::new);
    }

    private void list(List<String> values) {
        out.raw('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.raw(',');
            }
            out.string(values.get(i));
        }
        out.raw(']');
    }
}
