package io.timestore.server.influxql;

/** A query that is not InfluxQL this parser accepts; the message names what was found, what was expected and where. */
public final class InfluxQlSyntaxError extends RuntimeException {
    private final int line;
    private final int column;

    InfluxQlSyntaxError(String message, int line, int column) {
        super("error parsing query: %s at line %d, char %d".formatted(message, line, column));
        this.line = line;
        this.column = column;
    }

    /** The line of the offending token, from 1. */
    public int line() {
        return line;
    }

    /** The character of the offending token within its line, from 1. */
    public int column() {
        return column;
    }
}
