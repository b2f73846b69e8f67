package io.timestore.server.ingest;

import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The predicate of InfluxDB v2's {@code /api/v2/delete}, the subset Timestore supports: nothing
 * (every point of the range) or equalities joined by {@code AND}, each {@code key="value"}, where
 * the key {@code _measurement} names the measurement and any other key a tag (a series without the
 * tag compares as {@code ""}). Keys are bare ({@code host}, {@code _measurement}) or
 * double-quoted; values are double- or single-quoted strings with {@code \"}, {@code \'} and
 * {@code \\} escapes. Everything else ({@code OR}, {@code !=}, regular expressions, parentheses,
 * unquoted values, {@code _field}) is refused with a 400 that names the position (docs/influxql.md).
 *
 * @param measurement the measurement named by {@code _measurement}, if any
 * @param tags        the tag equalities, in the order given
 */
public record DeletePredicate(Optional<String> measurement, Map<String, String> tags) {
    public static final String MEASUREMENT = "_measurement";
    private static final int MAX_LENGTH = 10_000;

    public DeletePredicate {
        tags = Map.copyOf(tags);
    }

    /** The predicate as the audit trail keeps it: the keys, every value replaced by {@code ?}. */
    public String redacted() {
        var parts = new java.util.ArrayList<String>();
        measurement.ifPresent(m -> parts.add(MEASUREMENT + "=?"));
        tags.keySet().stream().sorted().forEach(key -> parts.add(key + "=?"));
        return String.join(" AND ", parts);
    }

    /** Parses {@code text}; 400 {@code invalid_request} (pointer {@code /predicate}) naming the position of what is refused. */
    public static DeletePredicate parse(String text) {
        if (text.length() > MAX_LENGTH) {
            throw refused("the predicate has more than %d characters".formatted(MAX_LENGTH));
        }
        return new Reader(text).predicate();
    }

    private static InvalidRequest refused(String detail) {
        return new InvalidRequest("unsupported delete predicate: " + detail,
                List.of(FieldError.at("/predicate", detail)));
    }

    private static final class Reader {
        private final String text;
        private int at;
        private Optional<String> measurement = Optional.empty();
        private final Map<String, String> tags = new LinkedHashMap<>();

        Reader(String text) {
            this.text = text;
        }

        DeletePredicate predicate() {
            skipSpaces();
            if (at == text.length()) {
                return new DeletePredicate(measurement, tags);
            }
            while (true) {
                condition();
                skipSpaces();
                if (at == text.length()) {
                    return new DeletePredicate(measurement, tags);
                }
                var word = word();
                if (word.equalsIgnoreCase("or")) {
                    throw error("OR is not supported, only equalities joined by AND", at - word.length());
                }
                if (!word.equalsIgnoreCase("and")) {
                    throw error("expected AND", at - word.length());
                }
            }
        }

        private void condition() {
            skipSpaces();
            int keyAt = at;
            var key = key();
            skipSpaces();
            int operatorAt = at;
            if (at < text.length() && text.charAt(at) == '=' && (at + 1 == text.length() || text.charAt(at + 1) != '~')) {
                at++;
            } else {
                var operator = text.substring(at, Math.min(text.length(), at + 2)).trim();
                throw error(operator.isEmpty() ? "expected = after the key" : operator.startsWith("=~") || operator.startsWith("!~")
                        ? "regular expressions are not supported, only equality (=)"
                        : "only equality (=) is supported, found '%s'".formatted(operator), operatorAt);
            }
            skipSpaces();
            int valueAt = at;
            var value = quoted("a value in double or single quotes");
            if (key.equals("_field")) {
                throw error("deleting by _field is not supported (nor by InfluxDB): a delete removes points of whole series by"
                        + " measurement and tags", keyAt);
            }
            if (key.equals(MEASUREMENT)) {
                if (value.isEmpty()) {
                    throw error("_measurement must not be empty", valueAt);
                }
                if (measurement.isPresent()) {
                    throw error("_measurement is named twice", keyAt);
                }
                measurement = Optional.of(value);
            } else if (key.startsWith("_")) {
                throw error("unknown key %s: keys starting with _ other than _measurement are not supported".formatted(key), keyAt);
            } else if (tags.putIfAbsent(key, value) != null) {
                throw error("tag %s is named twice".formatted(key), keyAt);
            }
        }

        private String key() {
            if (at < text.length() && text.charAt(at) == '"') {
                var key = quoted("a key");
                if (key.isEmpty()) {
                    throw error("a key must not be empty", at);
                }
                return key;
            }
            int start = at;
            if (at < text.length() && text.charAt(at) == '(') {
                throw error("parentheses are not supported, only equalities joined by AND", at);
            }
            var word = word();
            if (word.isEmpty()) {
                throw error("expected a key (a tag or _measurement)", start);
            }
            return word;
        }

        private String word() {
            int start = at;
            while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || "_-.".indexOf(text.charAt(at)) >= 0)) {
                at++;
            }
            return text.substring(start, at);
        }

        private String quoted(String what) {
            if (at == text.length() || (text.charAt(at) != '"' && text.charAt(at) != '\'')) {
                throw error("expected " + what, at);
            }
            int start = at;
            char quote = text.charAt(at++);
            var value = new StringBuilder();
            while (at < text.length()) {
                char c = text.charAt(at++);
                if (c == quote) {
                    return value.toString();
                }
                if (c == '\\' && at < text.length() && (text.charAt(at) == quote || text.charAt(at) == '\\')) {
                    c = text.charAt(at++);
                }
                value.append(c);
            }
            throw error("unterminated string", start);
        }

        private void skipSpaces() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        private InvalidRequest error(String detail, int position) {
            return refused("%s at char %d".formatted(detail, position + 1));
        }
    }
}
