package io.timestore.server.influxql;

/** One lexical token with its offset in the query text. */
record Token(Kind kind, String text, int offset) {
    enum Kind {
        IDENT, QUOTED_IDENT, STRING, INTEGER, NUMBER, DURATION, REGEX, OPERATOR, EOF
    }

    /** Whether this is the unquoted keyword {@code keyword} (case-insensitive). */
    boolean is(String keyword) {
        return kind == Kind.IDENT && text.equalsIgnoreCase(keyword);
    }

    boolean isOperator(String operator) {
        return kind == Kind.OPERATOR && text.equals(operator);
    }

    /** As an error message shows it. */
    String shown() {
        return switch (kind) {
            case EOF -> "EOF";
            case STRING -> "'" + text + "'";
            case QUOTED_IDENT -> "\"" + text + "\"";
            case REGEX -> "/" + text + "/";
            default -> text;
        };
    }
}
