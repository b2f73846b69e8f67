package io.timestore.server.problems;

/**
 * Other work held a lock the request needs for longer than the server waits for it; the
 * request's transaction rolled back, so nothing changed (503 with {@code Retry-After}).
 */
public final class Busy extends TimestoreException {
    /** {@code Retry-After}: the work that holds such a lock is usually short. */
    public static final long RETRY_AFTER_SECONDS = 1;

    public Busy(ProblemType type, String detail, Throwable cause) {
        super(type, detail, cause);
    }
}
