package io.timestore.server.problems;

/** A dependency (database, audit pipeline) cannot serve right now; the client may retry (503). */
public final class Unavailable extends TimestoreException {
    public Unavailable(ProblemType type, String detail, Throwable cause) {
        super(type, detail, cause);
    }
}
