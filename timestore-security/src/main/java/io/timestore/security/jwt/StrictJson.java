package io.timestore.security.jwt;

import java.util.HashSet;
import java.util.Set;

/**
 * A strict JSON syntax check (RFC 8259) that also refuses duplicate member names in any object.
 *
 * <p>Why not rely on Nimbus: 10.x refuses duplicate names at the top level of the payload but
 * silently keeps the last of duplicates inside nested objects (for example a Keycloak-style
 * {@code realm_access: {roles: [...], roles: [...]}}), while other parsers keep the first. Such a
 * token could mean different things to different components (RFC 7519 §4 says it must be rejected or the
 * last value used; rejecting is the safe choice). Names are compared after unescaping, so a
 * name spelled with a unicode escape counts as the same name as its plain spelling.
 *
 * <p>Each call uses its own short-lived parser instance; nothing is shared between calls.
 */
final class StrictJson {
    /** Deep nesting has no use in a JOSE header or JWT payload and would risk stack overflow. */
    private static final int MAX_DEPTH = 32;

    private final String text;
    private int pos;

    private StrictJson(String text) {
        this.text = text;
    }

    /** Returns normally if {@code json} is one well-formed JSON object without duplicate names. */
    static void requireObjectWithoutDuplicates(String json) {
        var parser = new StrictJson(json);
        parser.skipWhitespace();
        if (parser.peek() != '{') {
            throw new IllegalArgumentException("expected a JSON object");
        }
        parser.value(0);
        parser.skipWhitespace();
        if (parser.pos != json.length()) {
            throw new IllegalArgumentException("unexpected content after the JSON object");
        }
    }

    private void value(int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH);
        }
        skipWhitespace();
        char c = peek();
        switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
    }

    private void object(int depth) {
        pos++; // '{'
        Set<String> names = new HashSet<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw new IllegalArgumentException("expected a member name");
            }
            if (!names.add(string())) {
                throw new IllegalArgumentException("duplicate member name");
            }
            skipWhitespace();
            expect(':');
            value(depth + 1);
            skipWhitespace();
            char c = next();
            if (c == '}') {
                return;
            }
            if (c != ',') {
                throw new IllegalArgumentException("expected ',' or '}'");
            }
        }
    }

    private void array(int depth) {
        pos++; // '['
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return;
        }
        while (true) {
            value(depth + 1);
            skipWhitespace();
            char c = next();
            if (c == ']') {
                return;
            }
            if (c != ',') {
                throw new IllegalArgumentException("expected ',' or ']'");
            }
        }
    }

    /** Parses a string token and returns its unescaped value. */
    private String string() {
        expect('"');
        var out = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw new IllegalArgumentException("control character in string");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> out.append(hex4());
                default -> throw new IllegalArgumentException("invalid escape");
            }
        }
    }

    private char hex4() {
        if (pos + 4 > text.length()) {
            throw new IllegalArgumentException("truncated unicode escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos++), 16);
            if (d < 0) {
                throw new IllegalArgumentException("invalid unicode escape");
            }
            v = v * 16 + d;
        }
        return (char) v;
    }

    private void number() {
        int start = pos;
        if (peekOrZero() == '-') {
            pos++;
        }
        if (peekOrZero() == '0') {
            pos++;
        } else if (!digits()) {
            throw new IllegalArgumentException("unexpected character");
        }
        if (peekOrZero() == '.') {
            pos++;
            if (!digits()) {
                throw new IllegalArgumentException("digits expected after '.'");
            }
        }
        char c = peekOrZero();
        if (c == 'e' || c == 'E') {
            pos++;
            c = peekOrZero();
            if (c == '+' || c == '-') {
                pos++;
            }
            if (!digits()) {
                throw new IllegalArgumentException("digits expected in exponent");
            }
        }
        if (pos == start) {
            throw new IllegalArgumentException("value expected");
        }
    }

    private boolean digits() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        return pos > start;
    }

    private void literal(String word) {
        if (!text.startsWith(word, pos)) {
            throw new IllegalArgumentException("invalid literal");
        }
        pos += word.length();
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private void expect(char c) {
        if (next() != c) {
            throw new IllegalArgumentException("expected '" + c + "'");
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw new IllegalArgumentException("unexpected end of JSON");
        }
        return text.charAt(pos);
    }

    private char peekOrZero() {
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }
}
