package io.timestore.server.problems;

/**
 * Other work held a lock the request needs for longer than the server waits for it, or the
 * database rolled the request's transaction back to let a conflicting one finish (a deadlock, a
 * serialization failure); either way nothing changed and a retry usually succeeds (503 with
 * {@code Retry-After}).
 */
public final class Busy extends TimestoreException {
    /** {@code Retry-After}: the work that holds such a lock is usually short. */
    public static final long RETRY_AFTER_SECONDS = 1;

    public Busy(ProblemType type, String detail, Throwable cause) {
        super(type, detail, cause);
    }
}
