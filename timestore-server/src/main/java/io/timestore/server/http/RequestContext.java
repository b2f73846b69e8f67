package io.timestore.server.http;

import java.time.Instant;
import java.util.Objects;

/**
 * What the server knows about a request before any business logic: its id, its trace, when it
 * arrived. Carried as a Javalin context attribute and in the logging MDC.
 */
public record RequestContext(String requestId, TraceContext trace, Instant receivedAt, long startNanos) {
    static final String ATTRIBUTE = "timestore.request";

    public RequestContext {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }
}
