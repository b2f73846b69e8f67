package io.timestore.server.http;

/**
 * Cells of the CSV the API writes (RFC 4180): fields separated by commas, records ended by CRLF,
 * a field holding a comma, a double quote or a line break enclosed in double quotes with its
 * quotes doubled. Used by the audit export and by query results. Stateless; thread-safe.
 */
public final class Csv {
    /** The record separator. */
    public static final String CRLF = "\r\n";

    private Csv() {}

    /**
     * A cell of text that callers wrote (names, tag values, strings): quoted as needed, and
     * prefixed with {@code '} when it starts with {@code = + - @}, a tab or a carriage return,
     * which a spreadsheet would otherwise evaluate as a formula (CSV injection).
     */
    public static String text(String value) {
        boolean formula = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0;
        return quoted(formula ? "'" + value : value);
    }

    /** A cell the server formatted itself (numbers, times, booleans, fixed names): quoted only if needed. */
    public static String quoted(String value) {
        if (value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            return "\"" + value.replace("\"", "\"\"") + "\"";
        }
        return value;
    }
}
