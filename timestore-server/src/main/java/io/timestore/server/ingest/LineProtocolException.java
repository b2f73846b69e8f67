package io.timestore.server.ingest;

import java.util.List;

/**
 * A line-protocol request that must be rejected as a whole: InfluxDB 2.x writes nothing from a
 * body in which any line fails to parse. Thrown by {@link LineProtocolParser}; the HTTP layer maps
 * {@link Reason#MALFORMED} to 400 with one {@code errors[]} entry per {@link LineError}, and
 * {@link Reason#TOO_MANY_POINTS} to 413.
 */
public final class LineProtocolException extends RuntimeException {

    /** At most this many bad lines are reported; parsing stops at the next one. */
    public static final int MAX_REPORTED_ERRORS = 100;

    public enum Reason {
        /** One or more lines are not valid line protocol (or exceed the line length limit). */
        MALFORMED,
        /** The body has more points than {@link Limits#maxPoints()}; parsing stopped there. */
        TOO_MANY_POINTS
    }

    private final Reason reason;
    private final List<LineError> errors;
    private final boolean moreErrors;

    LineProtocolException(Reason reason, String message, List<LineError> errors, boolean moreErrors) {
        super(message, null, false, false); // a client error: the stack trace says nothing useful
        this.reason = reason;
        this.errors = List.copyOf(errors);
        this.moreErrors = moreErrors;
    }

    static LineProtocolException malformed(List<LineError> errors, boolean moreErrors) {
        String message = (moreErrors
                ? "more than %d lines are not valid line protocol".formatted(errors.size())
                : errors.size() == 1 ? "1 line is not valid line protocol"
                : "%d lines are not valid line protocol".formatted(errors.size()))
                + "; first: " + errors.getFirst();
        return new LineProtocolException(Reason.MALFORMED, message, errors, moreErrors);
    }

    static LineProtocolException tooManyPoints(int maxPoints, int line) {
        return new LineProtocolException(Reason.TOO_MANY_POINTS,
                "too many points: the request has more than %d points (reached at line %d); send at most %d points per request"
                        .formatted(maxPoints, line, maxPoints),
                List.of(), false);
    }

    public Reason reason() {
        return reason;
    }

    /** The first bad lines in body order, at most {@link #MAX_REPORTED_ERRORS}; empty for {@link Reason#TOO_MANY_POINTS}. */
    public List<LineError> errors() {
        return errors;
    }

    /** Whether parsing stopped after {@link #MAX_REPORTED_ERRORS} bad lines, so more may follow. */
    public boolean moreErrors() {
        return moreErrors;
    }
}
