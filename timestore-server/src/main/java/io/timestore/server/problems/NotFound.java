package io.timestore.server.problems;

/** The resource does not exist, or exists where the caller may not know it does. */
public final class NotFound extends TimestoreException {
    public NotFound(String detail) {
        super(ProblemType.NOT_FOUND, detail);
    }
}
