package io.timestore.audit.canonical;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Normalisation and checks shared by the event's value types. Every string that enters an event
 * passes through {@link #clean(String)}, because the hash is computed over the UTF-8 of exactly
 * what the database will hand back: PostgreSQL refuses U+0000 in text and jsonb, and a lone UTF-16
 * surrogate has no UTF-8 form (a JDBC driver would silently substitute {@code ?}).
 */
public final class EventText {
    public static final char REPLACEMENT = '\uFFFD';

    private EventText() {}

    /** {@code s} with U+0000 and unpaired surrogates replaced by U+FFFD; the same instance if clean. */
    public static String clean(String s) {
        if (s == null) {
            return null;
        }
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == 0) {
                break;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i += 2;
                    continue;
                }
                break;
            }
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder out = new StringBuilder(n).append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                out.append(REPLACEMENT);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append(REPLACEMENT);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A required identifier-like value: cleaned, not blank, at most {@code max} chars (refused beyond). */
    public static String required(String value, String name, int max) {
        Objects.requireNonNull(value, name);
        String v = clean(value);
        if (v.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        if (v.length() > max) {
            throw new IllegalArgumentException("%s must be at most %d characters (found %d)".formatted(name, max, v.length()));
        }
        return v;
    }

    /** Like {@link #required} but {@code null} stays {@code null}. */
    public static String optional(String value, String name, int max) {
        return value == null ? null : required(value, name, max);
    }

    public static String matching(String value, String name, Pattern format) {
        Objects.requireNonNull(value, name);
        if (!format.matcher(value).matches()) {
            throw new IllegalArgumentException("%s must match %s (found \"%s\")".formatted(name, format.pattern(), value));
        }
        return value;
    }

    /**
     * Free text from the outside world (a User-Agent, an error message): cleaned and cut to at most
     * {@code max} chars on a code point boundary. Cutting instead of refusing, because refusing would
     * turn an odd header into a lost audit event and a 503.
     */
    public static String truncated(String value, int max) {
        if (value == null) {
            return null;
        }
        String v = clean(value);
        if (v.length() <= max) {
            return v;
        }
        int end = Character.isHighSurrogate(v.charAt(max - 1)) ? max - 1 : max;
        return v.substring(0, end);
    }

    /** A set of labels: cleaned, blank entries refused, duplicates dropped, sorted (UTF-16 order). */
    public static List<String> labels(List<String> values, String name) {
        Objects.requireNonNull(values, name);
        return values.stream()
                .map(v -> required(v, name + " entry", 256))
                .distinct()
                .sorted()
                .toList();
    }
}
