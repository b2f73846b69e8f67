package io.timestore.server.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one duration syntax of Timestore, wherever a duration is written: configuration files,
 * environment variables, command-line options ({@code token --ttl}) and the query parameter
 * {@code step}. A whole number and a unit — {@code ns}, {@code us}, {@code ms}, {@code s},
 * {@code m}, {@code h}, {@code d} (24 h), {@code w} (7 d) — such as {@code 500ms}, {@code 90s},
 * {@code 15m}, {@code 1h} or {@code 7d}; or ISO-8601 such as {@code PT15M} or {@code P7D}.
 *
 * <p>Parsing checks the syntax only. What a value may be (positive, at most some maximum) is the
 * rule of the place that reads it, which states that rule when the value breaks it. Stateless.
 */
public final class Durations {
    /** How a duration is written, for error messages. */
    public static final String SYNTAX =
            "a whole number and a unit (ns, us, ms, s, m, h, d, w) such as 90s, 15m or 1h, or ISO-8601 such as PT15M";
    private static final Pattern SHORT = Pattern.compile("([0-9]{1,19})(ns|us|ms|s|m|h|d|w)");

    private record Unit(String suffix, Duration length) {}

    /** Largest first: {@link #format} writes a duration in the largest unit that divides it. */
    private static final List<Unit> FORMAT_UNITS = List.of(
            new Unit("d", Duration.ofDays(1)), new Unit("h", Duration.ofHours(1)), new Unit("m", Duration.ofMinutes(1)),
            new Unit("s", Duration.ofSeconds(1)), new Unit("ms", Duration.ofMillis(1)), new Unit("us", Duration.ofNanos(1000)),
            new Unit("ns", Duration.ofNanos(1)));

    private Durations() {}

    /** Text that is not a duration; {@link #rule()} says why, without repeating the text. */
    public static final class NotADuration extends IllegalArgumentException {
        private final String rule;

        NotADuration(String text, String rule) {
            super("'%s' %s".formatted(text, rule));
            this.rule = rule;
        }

        /** Why, e.g. "is not a duration: write a whole number and a unit ...". */
        public String rule() {
            return rule;
        }
    }

    /**
     * The duration {@code text} writes (surrounding blanks ignored).
     *
     * @throws NotADuration when it is not a duration (the message says how one is written), or
     *                      when it exceeds what a {@link Duration} holds
     */
    public static Duration parse(String text) {
        Objects.requireNonNull(text, "text");
        var trimmed = text.strip();
        var matcher = SHORT.matcher(trimmed);
        if (matcher.matches()) {
            try {
                long amount = Long.parseLong(matcher.group(1));
                return switch (matcher.group(2)) {
                    case "ns" -> Duration.ofNanos(amount);
                    case "us" -> Duration.ofNanos(Math.multiplyExact(amount, 1000L));
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    case "d" -> Duration.ofDays(amount);
                    default -> Duration.ofDays(Math.multiplyExact(amount, 7L));
                };
            } catch (ArithmeticException | NumberFormatException e) {
                throw new NotADuration(trimmed, "is longer than any duration Timestore can hold");
            }
        }
        if (trimmed.startsWith("P") || trimmed.startsWith("-P") || trimmed.startsWith("+P")) {
            try {
                return Duration.parse(trimmed);
            } catch (DateTimeParseException e) {
                // falls through to the error below
            }
        }
        throw new NotADuration(trimmed, "is not a duration: write " + SYNTAX);
    }

    /** {@code duration} in this syntax, in the largest unit that divides it exactly: 15m, 1h, 90s, 500ms. */
    public static String format(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            return "-" + format(duration.negated());
        }
        if (duration.isZero()) {
            return "0s";
        }
        for (var unit : FORMAT_UNITS) {
            if (divides(unit.length(), duration)) {
                return duration.dividedBy(unit.length()) + unit.suffix();
            }
        }
        throw new IllegalStateException("every duration is a whole number of nanoseconds");
    }

    private static boolean divides(Duration unit, Duration duration) {
        return duration.minus(unit.multipliedBy(duration.dividedBy(unit))).isZero();
    }
}
