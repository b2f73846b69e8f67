package io.timestore.server.auditing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * The receipt a mutating request gets with its response (docs/audit-events.md §10): the id of its
 * audit event in the {@code Audit-Event-Id} header and, when the body is a JSON object, as its
 * first member {@code audit_event_id}. With the id, a client fetches the event's receipt once it is
 * sealed ({@code GET /api/audit/v1alpha1/events/{event_id}/receipt}). The body is changed as bytes,
 * not re-serialised, so everything else in it stays exactly as the handler wrote it.
 */
public final class AuditEventIds {
    /** The response header naming the request's audit event. */
    public static final String HEADER = "Audit-Event-Id";
    /** The member of a JSON object body naming the request's audit event. */
    public static final String MEMBER = "audit_event_id";

    private AuditEventIds() {}

    /** {@code reply} with the header and, for a JSON object body, the member. */
    public static Reply stamp(Reply reply, UUID eventId) {
        var stamped = new Reply(reply.status(), reply.contentType(), reply.headers(),
                stampBody(reply.body(), reply.contentType().orElse(null), eventId));
        return stamped.withHeader(HEADER, eventId.toString());
    }

    /**
     * {@code body} with {@code "audit_event_id":"<id>"} as the first member when it is a JSON object
     * ({@code application/json} or {@code application/problem+json}); otherwise {@code body} itself.
     */
    public static byte[] stampBody(byte[] body, String contentType, UUID eventId) {
        if (contentType == null || body.length == 0) {
            return body;
        }
        String type = contentType.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
        if (!type.equals("application/json") && !type.equals("application/problem+json")) {
            return body;
        }
        int open = 0;
        while (open < body.length && Character.isWhitespace(body[open])) {
            open++;
        }
        if (open == body.length || body[open] != '{') {
            return body;
        }
        int next = open + 1;
        while (next < body.length && Character.isWhitespace(body[next])) {
            next++;
        }
        boolean empty = next < body.length && body[next] == '}';
        byte[] member = ("\"" + MEMBER + "\":\"" + eventId + "\"" + (empty ? "" : ","))
                .getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(body, body.length + member.length);
        System.arraycopy(member, 0, out, open + 1, member.length);
        System.arraycopy(body, open + 1, out, open + 1 + member.length, body.length - open - 1);
        return out;
    }
}
