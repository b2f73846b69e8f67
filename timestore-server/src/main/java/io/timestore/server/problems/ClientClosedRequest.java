package io.timestore.server.problems;

/**
 * The client went away before its answer, and the request's database work was stopped: 499
 * {@code client_closed_request}. Nobody reads the answer; its audit event records the outcome.
 */
public final class ClientClosedRequest extends TimestoreException {
    public ClientClosedRequest(String detail) {
        super(ProblemType.CLIENT_CLOSED_REQUEST, detail);
    }
}
