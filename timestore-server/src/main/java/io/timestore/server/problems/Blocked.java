package io.timestore.server.problems;

import java.time.Duration;
import java.util.Objects;

/**
 * 429 {@code blocked}: the request's source address or credential is blocked after repeated
 * authentication failures (docs/security.md, "Automatic blocking"). The response carries
 * {@code Retry-After} with {@link #retryAfter()} in whole seconds, rounded up.
 */
public final class Blocked extends TimestoreException {
    private final Duration retryAfter;

    /**
     * @param what       what is blocked, for the detail: "this source address" or "this credential"
     * @param retryAfter how long the block still lasts
     */
    public Blocked(String what, Duration retryAfter) {
        super(ProblemType.BLOCKED, what + " is blocked after repeated authentication failures; retry after the time in Retry-After");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** {@code Retry-After} in whole seconds, at least 1. */
    public long retryAfterSeconds() {
        long millis = Math.max(0, retryAfter.toMillis());
        return Math.max(1, (millis + 999) / 1000);
    }
}
