package io.timestore.server.auditapi;

import java.util.HashMap;
import java.util.Map;

/**
 * The top-level members of a stored event's JSON text, found by one scan without building a tree:
 * each member's name and the span of its raw value. Rendering an exported event this way (copy the
 * spans back in the contract's order) avoids parsing and re-serialising every value, which was
 * most of the Java time of an export.
 *
 * <p>The text comes from the {@code json} column (audit schema version 8; PostgreSQL checked it on
 * input, and the events stored before are jsonb's output of them), so it is valid JSON; a text that
 * is not an object is rejected rather than guessed at.
 */
final class StoredJsonMembers {
    private final String text;
    private final Map<String, int[]> spans = new HashMap<>(16);

    private StoredJsonMembers(String text) {
        this.text = text;
    }

    /** Splits {@code text}, a JSON object, into its top-level members. */
    static StoredJsonMembers of(String text) {
        var members = new StoredJsonMembers(text);
        members.scan();
        return members;
    }

    /** Appends {@code "name":value} for member {@code name}; false (and nothing appended) when absent. */
    boolean appendMember(StringBuilder out, String name) {
        var span = spans.get(name);
        if (span == null) {
            return false;
        }
        out.append('"').append(name).append("\":").append(text, span[0], span[1]);
        return true;
    }

    private void scan() {
        int i = skipSpace(0);
        expect(i, '{');
        i = skipSpace(i + 1);
        if (text.charAt(i) == '}') {
            return;
        }
        while (true) {
            expect(i, '"');
            int nameEnd = skipString(i);
            String name = text.substring(i + 1, nameEnd - 1);
            i = skipSpace(nameEnd);
            expect(i, ':');
            int valueStart = skipSpace(i + 1);
            int valueEnd = skipValue(valueStart);
            spans.put(name, new int[] {valueStart, valueEnd});
            i = skipSpace(valueEnd);
            if (text.charAt(i) == ',') {
                i = skipSpace(i + 1);
            } else {
                expect(i, '}');
                return;
            }
        }
    }

    /** The index just past the string literal starting at {@code start}. */
    private int skipString(int start) {
        for (int i = start + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i + 1;
            }
        }
        throw malformed(start);
    }

    /** The index just past the value starting at {@code start}. */
    private int skipValue(int start) {
        char first = text.charAt(start);
        if (first == '"') {
            return skipString(start);
        }
        if (first == '{' || first == '[') {
            int depth = 0;
            for (int i = start; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '"') {
                    i = skipString(i) - 1;
                } else if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    if (--depth == 0) {
                        return i + 1;
                    }
                }
            }
            throw malformed(start);
        }
        int i = start;
        while (i < text.length() && ",}] \t\r\n".indexOf(text.charAt(i)) < 0) {
            i++;
        }
        if (i == start) {
            throw malformed(start);
        }
        return i;
    }

    private int skipSpace(int from) {
        int i = from;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            throw malformed(from);
        }
        return i;
    }

    private void expect(int at, char c) {
        if (text.charAt(at) != c) {
            throw malformed(at);
        }
    }

    private IllegalStateException malformed(int at) {
        return new IllegalStateException("a stored audit event is not a JSON object (offset " + at + ")");
    }
}
