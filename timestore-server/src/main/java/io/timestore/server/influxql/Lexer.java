package io.timestore.server.influxql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits InfluxQL text into tokens. A regular expression literal ({@code /.../}) is recognised
 * only where the parser asks for one ({@link #next(boolean)}), as in InfluxDB, since {@code /} is
 * also division.
 */
final class Lexer {
    private static final String OPERATORS_2 = "<=>=!=!~=~::";
    private final String text;
    private int position;

    Lexer(String text) {
        this.text = text;
    }

    int position() {
        return position;
    }

    void reset(int to) {
        position = to;
    }

    /** The next token; {@code regex} when a regular expression literal may start here. */
    Token next(boolean regex) {
        skipSpaceAndComments();
        if (position >= text.length()) {
            return new Token(Token.Kind.EOF, "", position);
        }
        int start = position;
        char c = text.charAt(position);
        if (regex && c == '/') {
            return regex(start);
        }
        if (Character.isLetter(c) || c == '_') {
            while (position < text.length() && (Character.isLetterOrDigit(text.charAt(position)) || text.charAt(position) == '_')) {
                position++;
            }
            return new Token(Token.Kind.IDENT, text.substring(start, position), start);
        }
        if (c == '"') {
            return new Token(Token.Kind.QUOTED_IDENT, quoted('"', start), start);
        }
        if (c == '\'') {
            return new Token(Token.Kind.STRING, quoted('\'', start), start);
        }
        if (Character.isDigit(c) || (c == '.' && position + 1 < text.length() && Character.isDigit(text.charAt(position + 1)))) {
            return number(start);
        }
        if (position + 1 < text.length() && isTwoCharOperator(text.substring(position, position + 2))) {
            position += 2;
            return new Token(Token.Kind.OPERATOR, text.substring(start, position), start);
        }
        if ("=<>+-*/%(),;.".indexOf(c) >= 0) {
            position++;
            return new Token(Token.Kind.OPERATOR, String.valueOf(c), start);
        }
        throw error("found " + c + ", expected a token", start);
    }

    private static boolean isTwoCharOperator(String two) {
        for (int i = 0; i < OPERATORS_2.length(); i += 2) {
            if (OPERATORS_2.startsWith(two, i)) {
                return true;
            }
        }
        return two.equals("<>");
    }

    private void skipSpaceAndComments() {
        while (position < text.length()) {
            char c = text.charAt(position);
            if (Character.isWhitespace(c)) {
                position++;
            } else if (text.startsWith("--", position)) {
                while (position < text.length() && text.charAt(position) != '\n') {
                    position++;
                }
            } else if (text.startsWith("/*", position)) {
                int end = text.indexOf("*/", position + 2);
                position = end < 0 ? text.length() : end + 2;
            } else {
                return;
            }
        }
    }

    private String quoted(char quote, int start) {
        var value = new StringBuilder();
        position++;
        while (position < text.length()) {
            char c = text.charAt(position++);
            if (c == '\\' && position < text.length()) {
                char escaped = text.charAt(position++);
                value.append(switch (escaped) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> escaped;
                });
            } else if (c == quote) {
                return value.toString();
            } else if (c == '\n' && quote == '\'') {
                break;
            } else {
                value.append(c);
            }
        }
        throw error("unterminated " + (quote == '"' ? "quoted identifier" : "string"), start);
    }

    private Token regex(int start) {
        var value = new StringBuilder();
        position++;
        while (position < text.length()) {
            char c = text.charAt(position++);
            if (c == '\\' && position < text.length() && text.charAt(position) == '/') {
                value.append('/');
                position++;
            } else if (c == '\\' && position < text.length()) {
                value.append(c).append(text.charAt(position++));
            } else if (c == '/') {
                return new Token(Token.Kind.REGEX, value.toString(), start);
            } else {
                value.append(c);
            }
        }
        throw error("unterminated regular expression", start);
    }

    private Token number(int start) {
        while (position < text.length() && Character.isDigit(text.charAt(position))) {
            position++;
        }
        boolean decimal = false;
        if (position < text.length() && text.charAt(position) == '.' && position + 1 < text.length()
                && Character.isDigit(text.charAt(position + 1))) {
            decimal = true;
            position++;
            while (position < text.length() && Character.isDigit(text.charAt(position))) {
                position++;
            }
        }
        if (!decimal && position < text.length() && Character.isLetter(text.charAt(position))) {
            int unitStart = position;
            while (position < text.length() && Character.isLetter(text.charAt(position))) {
                position++;
            }
            var unit = text.substring(unitStart, position);
            if (Durations.unitNanos(unit) < 0) {
                throw error("invalid duration unit " + unit, unitStart);
            }
            return new Token(Token.Kind.DURATION, text.substring(start, position), start);
        }
        return new Token(decimal ? Token.Kind.NUMBER : Token.Kind.INTEGER, text.substring(start, position), start);
    }

    InfluxQlSyntaxError error(String message, int offset) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new InfluxQlSyntaxError(message, line, offset - lineStart + 1);
    }

    /**
     * {@code query} with every string, number, duration and regular expression literal replaced by
     * {@code ?}: what the audit trail keeps of a statement. Text that does not lex is kept only up
     * to where it stops lexing.
     */
    static String redact(String query) {
        var lexer = new Lexer(query);
        var parts = new ArrayList<String>();
        try {
            Token previous = null;
            for (var token = lexer.next(false); token.kind() != Token.Kind.EOF; token = lexer.next(regexMayFollow(previous = token))) {
                parts.add(switch (token.kind()) {
                    case STRING, INTEGER, NUMBER, DURATION, REGEX -> "?";
                    case QUOTED_IDENT -> "\"" + token.text().replace("\"", "\\\"") + "\"";
                    default -> token.text();
                });
            }
        } catch (InfluxQlSyntaxError e) {
            parts.add("…");
        }
        return String.join(" ", parts);
    }

    /** Whether a regular expression literal may follow {@code token} (after =~, !~, FROM, =, and a comma or parenthesis in FROM lists). */
    static boolean regexMayFollow(Token token) {
        return token != null && (token.isOperator("=~") || token.isOperator("!~") || token.is("FROM") || token.isOperator("=")
                || token.isOperator(",") || token.is("BY"));
    }

    /** Every token of {@code query} (for tests). */
    static List<Token> tokens(String query) {
        var lexer = new Lexer(query);
        var all = new ArrayList<Token>();
        Token previous = null;
        for (var token = lexer.next(false); token.kind() != Token.Kind.EOF; token = lexer.next(regexMayFollow(previous))) {
            all.add(token);
            previous = token;
        }
        return all;
    }
}
