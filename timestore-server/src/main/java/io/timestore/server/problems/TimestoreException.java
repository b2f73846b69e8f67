package io.timestore.server.problems;

import java.util.Objects;

/**
 * A failure the client should hear about, carrying the {@link ProblemType} it maps to.
 * {@link Problems} is the only place that turns these into responses; the message is the
 * problem's {@code detail}, so it must be written for the client: no SQL, no stack trace, no secret.
 */
public abstract sealed class TimestoreException extends RuntimeException
        permits InvalidRequest, NotFound, Unavailable, Busy, Forbidden, Conflict, Blocked, LimitExceeded, ClientClosedRequest {
    private final ProblemType type;

    protected TimestoreException(ProblemType type, String detail) {
        super(detail);
        this.type = Objects.requireNonNull(type, "type");
    }

    protected TimestoreException(ProblemType type, String detail, Throwable cause) {
        super(detail, cause);
        this.type = Objects.requireNonNull(type, "type");
    }

    public ProblemType type() {
        return type;
    }
}
