package io.timestore.server.query;

import io.timestore.server.influxql.Expr;
import io.timestore.server.influxql.Expr.Binary;
import io.timestore.server.influxql.Expr.VarRef;
import io.timestore.server.points.Rfc3339;
import io.timestore.server.problems.InvalidRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A WHERE clause split into its time range and its condition on tags, the latter evaluated in Java
 * against each candidate series' tag set. Regular expressions are Java's, run over a
 * {@link BoundedText} that stops a match after a fixed number of character reads, so a
 * catastrophically backtracking pattern costs at most that (ReDoS), and is refused with 400.
 * Not thread-safe (one per statement).
 */
final class InfluxQlConditions {
    /** Character reads one request's regular expressions may make, all matches together. */
    static final long REGEX_BUDGET = 5_000_000;
    private static final int MAX_PATTERN_LENGTH = 1_000;

    private final Map<String, Pattern> patterns = new HashMap<>();
    private final long[] budget;
    private long start = Long.MIN_VALUE;
    private long end = Long.MAX_VALUE;
    private boolean hasUpper;
    private Optional<Expr> tags = Optional.empty();

    /**
     * @param budget the request's remaining character reads for regular expressions (shared by its statements)
     */
    InfluxQlConditions(Optional<Expr> where, long now, long[] budget) {
        this.budget = budget;
        where.ifPresent(expr -> split(expr, now));
    }

    /** The lower bound of time, inclusive (Long.MIN_VALUE when the clause gives none). */
    long start() {
        return start;
    }

    /** The upper bound of time, exclusive. */
    long end() {
        return end;
    }

    boolean hasLowerBound() {
        return start != Long.MIN_VALUE;
    }

    boolean hasUpperBound() {
        return hasUpper;
    }

    /** The tag equalities every selected series must have (AND-ed at the top): an index can find them. */
    Map<String, String> requiredTags() {
        var required = new TreeMap<String, String>();
        tags.ifPresent(expr -> collectRequired(expr, required));
        return required;
    }

    /** Whether {@code seriesTags} satisfy the condition on tags ({@code fields}: the measurement's field names, refused in conditions). */
    boolean matches(Map<String, String> seriesTags, Set<String> fields) {
        return tags.isEmpty() || matches(tags.get(), seriesTags, fields);
    }

    private void split(Expr expr, long now) {
        if (expr instanceof Binary binary && binary.operator().equals("AND")) {
            split(binary.left(), now);
            split(binary.right(), now);
            return;
        }
        if (expr instanceof Binary binary && isComparison(binary.operator())
                && (isTime(binary.left()) || isTime(binary.right()))) {
            boolean timeLeft = isTime(binary.left());
            long value = timeValue(timeLeft ? binary.right() : binary.left(), now);
            bound(timeLeft ? binary.operator() : flipped(binary.operator()), value);
            return;
        }
        if (mentionsTime(expr)) {
            throw new InvalidRequest("conditions on time must be AND-ed comparisons (time >= ..., time < ...); not inside OR");
        }
        tags = Optional.of(tags.map(existing -> (Expr) new Binary("AND", existing, expr)).orElse(expr));
    }

    private void bound(String operator, long value) {
        switch (operator) {
            case ">=" -> start = Math.max(start, value);
            case ">" -> start = Math.max(start, value == Long.MAX_VALUE ? value : value + 1);
            case "<" -> upper(value);
            case "<=" -> upper(value == Long.MAX_VALUE ? value : value + 1);
            case "=" -> {
                start = Math.max(start, value);
                upper(value == Long.MAX_VALUE ? value : value + 1);
            }
            default -> throw new InvalidRequest("time can be compared with =, <, <=, > or >=, not " + operator);
        }
    }

    private void upper(long value) {
        end = Math.min(end, value);
        hasUpper = true;
    }

    private static String flipped(String operator) {
        return switch (operator) {
            case "<" -> ">";
            case "<=" -> ">=";
            case ">" -> "<";
            case ">=" -> "<=";
            default -> operator;
        };
    }

    /** A time value: now(), an RFC 3339 string, integer nanoseconds, a duration literal (epoch with units), and sums of these. */
    static long timeValue(Expr expr, long now) {
        try {
            return switch (expr) {
                case Expr.Call call when call.name().equals("now") && call.args().isEmpty() -> now;
                case Expr.DurationLiteral duration -> duration.nanos();
                case Expr.IntegerLiteral integer -> integer.value();
                case Expr.StringLiteral text -> Rfc3339.parseBound(text.value()).orElseThrow(() -> new InvalidRequest(
                        "'%s' is not a time: use RFC 3339, e.g. '2023-11-14T22:13:20Z'".formatted(text.value())));
                case Binary binary when binary.operator().equals("+") ->
                        Math.addExact(timeValue(binary.left(), now), timeValue(binary.right(), now));
                case Binary binary when binary.operator().equals("-") ->
                        Math.subtractExact(timeValue(binary.left(), now), timeValue(binary.right(), now));
                default -> throw new InvalidRequest("time can only be compared with now(), a time string, an integer"
                        + " (nanoseconds), a duration literal (epoch with units, e.g. 1700000000000ms) or their sums and differences");
            };
        } catch (ArithmeticException e) {
            throw new InvalidRequest("a time in the WHERE clause is out of range (int64 nanoseconds)");
        }
    }

    private static boolean isComparison(String operator) {
        return Set.of("=", "!=", "<", "<=", ">", ">=").contains(operator);
    }

    private static boolean isTime(Expr expr) {
        return expr instanceof VarRef ref && ref.isTime();
    }

    private static boolean mentionsTime(Expr expr) {
        return switch (expr) {
            case VarRef ref -> ref.isTime();
            case Binary binary -> mentionsTime(binary.left()) || mentionsTime(binary.right());
            default -> false;
        };
    }

    private static void collectRequired(Expr expr, Map<String, String> required) {
        if (expr instanceof Binary binary && binary.operator().equals("AND")) {
            collectRequired(binary.left(), required);
            collectRequired(binary.right(), required);
        } else if (expr instanceof Binary binary && binary.operator().equals("=") && binary.left() instanceof VarRef ref
                && !ref.type().equals(Optional.of("field")) && binary.right() instanceof Expr.StringLiteral value
                && !value.value().isEmpty() && value.value().indexOf('\0') < 0 && ref.name().indexOf('\0') < 0) {
            required.putIfAbsent(ref.name(), value.value());
        }
    }

    private boolean matches(Expr expr, Map<String, String> seriesTags, Set<String> fields) {
        if (expr instanceof Expr.Call) {
            throw new InvalidRequest("functions are not supported in conditions on tags");
        }
        if (!(expr instanceof Binary binary)) {
            if (expr instanceof Expr.BooleanLiteral bool) {
                return bool.value();
            }
            throw new InvalidRequest("a condition must compare a tag with a string or a regular expression");
        }
        return switch (binary.operator()) {
            case "AND" -> matches(binary.left(), seriesTags, fields) && matches(binary.right(), seriesTags, fields);
            case "OR" -> matches(binary.left(), seriesTags, fields) || matches(binary.right(), seriesTags, fields);
            case "=", "!=", "=~", "!~", "<", "<=", ">", ">=" -> compare(binary, seriesTags, fields);
            default -> throw new InvalidRequest("conditions on tags support =, !=, =~ and !~; not " + binary.operator());
        };
    }

    private boolean compare(Binary binary, Map<String, String> seriesTags, Set<String> fields) {
        if (!(binary.left() instanceof VarRef ref)) {
            throw new InvalidRequest("a condition must have the tag on the left: \"tag\" %s ...".formatted(binary.operator()));
        }
        if (ref.type().filter(type -> !type.equals("tag")).isPresent() || (ref.type().isEmpty() && fields.contains(ref.name()))) {
            throw new InvalidRequest("conditions on field values (%s) are not supported; only tags and time".formatted(ref.name()));
        }
        var actual = seriesTags.getOrDefault(ref.name(), "");
        return switch (binary.operator()) {
            case "=" -> actual.equals(text(binary));
            case "!=" -> !actual.equals(text(binary));
            case "=~" -> find(regex(binary), actual);
            case "!~" -> !find(regex(binary), actual);
            default -> throw new InvalidRequest("conditions on tags support =, !=, =~ and !~; not " + binary.operator());
        };
    }

    private static String text(Binary binary) {
        if (binary.right() instanceof Expr.StringLiteral literal) {
            return literal.value();
        }
        throw new InvalidRequest("a tag is compared with a string in single quotes ('value')");
    }

    private Pattern regex(Binary binary) {
        if (!(binary.right() instanceof Expr.RegexLiteral literal)) {
            throw new InvalidRequest("=~ and !~ take a regular expression: /.../");
        }
        return pattern(literal.pattern());
    }

    Pattern pattern(String source) {
        return patterns.computeIfAbsent(source, InfluxQlConditions::compile);
    }

    /** {@code source} compiled; 400 when it is longer than the bound or not a regular expression. */
    static Pattern compile(String source) {
        if (source.length() > MAX_PATTERN_LENGTH) {
            throw new InvalidRequest("a regular expression may have at most %d characters".formatted(MAX_PATTERN_LENGTH));
        }
        try {
            return Pattern.compile(source);
        } catch (PatternSyntaxException e) {
            throw new InvalidRequest("invalid regular expression /%s/: %s".formatted(source, e.getDescription()));
        }
    }

    /** Whether {@code pattern} occurs in {@code text} (unanchored, as InfluxDB's), within the request's budget. */
    boolean find(Pattern pattern, String text) {
        var bounded = new BoundedText(text, budget);
        try {
            return pattern.matcher(bounded).find();
        } catch (BoundedText.Exhausted e) {
            throw new InvalidRequest("the regular expression /%s/ takes too long to evaluate; simplify it".formatted(pattern.pattern()));
        }
    }

    /** Text whose characters may be read a bounded number of times in all: the bound on regular expressions' work. */
    static final class BoundedText implements CharSequence {
        private final String text;
        private final long[] budget;

        BoundedText(String text, long[] budget) {
            this.text = text;
            this.budget = budget;
        }

        @Override
        public char charAt(int index) {
            if (--budget[0] < 0) {
                throw new Exhausted();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new BoundedText(text.substring(start, end), budget);
        }

        @Override
        public String toString() {
            return text;
        }

        static final class Exhausted extends RuntimeException {
            Exhausted() {
                super(null, null, false, false);
            }
        }
    }
}
