package io.timestore.server.points;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Timestamps of the data plane: int64 nanoseconds since the Unix epoch, written and read as
 * RFC 3339 with up to nine fractional digits ({@code 2024-05-01T12:00:00.123456789Z}) or as the
 * integer itself. Every int64 has both forms, from {@code 1677-09-21T00:12:43.145224192Z}
 * ({@link Long#MIN_VALUE}) to {@code 2262-04-11T23:47:16.854775807Z} ({@link Long#MAX_VALUE}).
 */
public final class Rfc3339 {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long SECONDS_PER_DAY = 86_400L;
    private static final Instant EARLIEST = Instant.ofEpochSecond(Math.floorDiv(Long.MIN_VALUE, NANOS_PER_SECOND),
            Math.floorMod(Long.MIN_VALUE, NANOS_PER_SECOND));
    private static final Instant LATEST = Instant.ofEpochSecond(Long.MAX_VALUE / NANOS_PER_SECOND, Long.MAX_VALUE % NANOS_PER_SECOND);
    private static final Pattern RFC3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");
    private static final Pattern NANOS = Pattern.compile("-?\\d{1,19}");

    private Rfc3339() {}

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

    /** {@code text} as RFC 3339 with at most nine fractional digits; empty outside the int64 range. */
    public static Optional<Long> parseRfc3339(String text) {
        return instant(text).flatMap(Rfc3339::nanos);
    }

    /**
     * A bound of a time range: as {@link #parse}, except that an RFC 3339 instant beyond the int64
     * range stands for the nearest int64 (a range from 0001-01-01T00:00:00Z holds the same points
     * as one from the earliest int64 instant, as no point can be earlier).
     */
    public static Optional<Long> parseBound(String text) {
        if (NANOS.matcher(text).matches()) {
            return parse(text);
        }
        return instant(text).map(instant -> instant.isBefore(EARLIEST) ? Long.MIN_VALUE
                : instant.isAfter(LATEST) ? Long.MAX_VALUE : nanos(instant).orElseThrow());
    }

    private static Optional<Instant> instant(String text) {
        if (!RFC3339.matcher(text).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(text.toUpperCase(java.util.Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    /** The clock's current time in nanoseconds since the epoch: the "now" of a write without a time or of a watermark's age. */
    public static long nowNanos(InstantSource clock) {
        var instant = clock.instant();
        return instant.getEpochSecond() * NANOS_PER_SECOND + instant.getNano();
    }

    /** The most bytes {@link #format(long, byte[])} writes. */
    public static final int MAX_LENGTH = 30;

    /** RFC 3339 in UTC, with as many fractional digits as needed (0, 3, 6 or 9). */
    public static String format(long nanos) {
        var text = new byte[MAX_LENGTH];
        int length = format(nanos, text);
        return new String(text, 0, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * {@link #format(long)}'s text as ASCII bytes at the start of {@code text} (at least
     * {@link #MAX_LENGTH} long); returns their length. For output written as bytes, without a
     * String per timestamp.
     */
    public static int format(long nanos, byte[] text) {
        // Instant.toString's text, written directly: it goes through DateTimeFormatter.ISO_INSTANT,
        // about a quarter of a 1,440-window aggregate's JSON output (docs/benchmarks.md,
        // 2026-12-04 afternoon). Every int64 is a year from 1677 to 2262, so four digits always.
        long seconds = Math.floorDiv(nanos, NANOS_PER_SECOND);
        int nano = (int) Math.floorMod(nanos, NANOS_PER_SECOND);
        var date = LocalDate.ofEpochDay(Math.floorDiv(seconds, SECONDS_PER_DAY));
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        digits(text, 0, date.getYear(), 4);
        text[4] = '-';
        digits(text, 5, date.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, date.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, secondOfDay / 3600, 2);
        text[13] = ':';
        digits(text, 14, secondOfDay / 60 % 60, 2);
        text[16] = ':';
        digits(text, 17, secondOfDay % 60, 2);
        int length = 19;
        if (nano != 0) {
            // As ISO_INSTANT: the fraction in groups of three digits, as few groups as it needs.
            text[length++] = '.';
            if (nano % 1_000_000 == 0) {
                length = digits(text, length, nano / 1_000_000, 3);
            } else if (nano % 1_000 == 0) {
                length = digits(text, length, nano / 1_000, 6);
            } else {
                length = digits(text, length, nano, 9);
            }
        }
        text[length++] = 'Z';
        return length;
    }

    /** Writes {@code value} (non-negative) as exactly {@code width} decimal digits at {@code at}; returns the end. */
    private static int digits(byte[] text, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            text[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }

    private static Optional<Long> nanos(Instant instant) {
        long seconds = instant.getEpochSecond();
        long nanos = instant.getNano();
        // The earliest instants have seconds * 10^9 below Long.MIN_VALUE although adding their
        // nanoseconds brings them back in range (Long.MIN_VALUE is -9223372037 s + 145224192 ns):
        // count a negative second's fraction down from the next second instead.
        if (seconds < 0 && nanos > 0) {
            seconds++;
            nanos -= NANOS_PER_SECOND;
        }
        try {
            return Optional.of(Math.addExact(Math.multiplyExact(seconds, NANOS_PER_SECOND), nanos));
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
    }
}
