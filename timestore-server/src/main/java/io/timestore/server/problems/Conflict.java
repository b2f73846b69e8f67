package io.timestore.server.problems;

/** The request conflicts with the resource's current state (409, 412, 422 variants). */
public final class Conflict extends TimestoreException {
    public Conflict(ProblemType type, String detail) {
        super(type, detail);
    }
}
