package io.timestore.server.problems;

/** The resource does not exist, or exists where the caller may not know it does. */
public final class NotFound extends TimestoreException {
    public NotFound(String detail) {
        super(ProblemType.NOT_FOUND, detail);
    }

    /** Not found, with a more precise code of status 404. */
    public NotFound(ProblemType type, String detail) {
        super(type, detail);
        if (type.status() != 404) {
            throw new IllegalArgumentException(type + " is not a 404");
        }
    }
}
