package io.timestore.server.points;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Timestamps of the data plane: int64 nanoseconds since the Unix epoch, written and read as
 * RFC 3339 with up to nine fractional digits ({@code 2024-05-01T12:00:00.123456789Z}) or as the
 * integer itself.
 */
public final class Times {
    private static final Pattern RFC3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");
    private static final Pattern NANOS = Pattern.compile("-?\\d{1,19}");

    private Times() {}

    /** {@code text} as RFC 3339 or int64 nanoseconds; empty when it is neither (or out of range). */
    public static Optional<Long> parse(String text) {
        if (NANOS.matcher(text).matches()) {
            try {
                return Optional.of(Long.parseLong(text));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return parseRfc3339(text);
    }

    /** {@code text} as RFC 3339 with at most nine fractional digits. */
    public static Optional<Long> parseRfc3339(String text) {
        if (!RFC3339.matcher(text).matches()) {
            return Optional.empty();
        }
        try {
            return nanos(OffsetDateTime.parse(text.toUpperCase(java.util.Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    /** RFC 3339 in UTC, with as many fractional digits as needed (0, 3, 6 or 9). */
    public static String format(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
    }

    private static Optional<Long> nanos(Instant instant) {
        try {
            return Optional.of(Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano()));
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
    }
}
