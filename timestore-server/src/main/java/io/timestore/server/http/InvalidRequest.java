package io.timestore.server.http;

/** The request is malformed or breaks a validation rule (400 and the related 4xx codes). */
public final class InvalidRequest extends TimestoreException {
    public InvalidRequest(String detail) {
        super(ProblemType.INVALID_REQUEST, detail);
    }

    public InvalidRequest(ProblemType type, String detail) {
        super(type, detail);
    }
}
