package io.timestore.server.http;

import java.time.Instant;
import java.util.Objects;

/**
 * What the server knows about a request before any business logic: its id, its trace, when it
 * arrived. Carried as a Javalin context attribute and in the logging MDC.
 *
 * <p>{@code requestId} may come from the client and need not be unique; {@code uid} is always
 * generated here and is unique, so identities derived from a request (its audit event id) never
 * collide between two requests that reuse an {@code X-Request-ID}.
 */
public record RequestContext(String requestId, String uid, TraceContext trace, Instant receivedAt, long startNanos) {
    static final String ATTRIBUTE = "timestore.request";

    public RequestContext {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }
}
