package io.timestore.audit.canonical;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The one timestamp form of the audit contract: RFC 3339 in UTC with exactly six fractional digits,
 * {@code 2025-03-01T12:00:00.123456Z}. A fixed width makes the text canonical (the hash covers the
 * text) and lets it sort as a string.
 */
public final class Timestamps {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final Pattern SHAPE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z");

    private Timestamps() {}

    public static String format(Instant instant) {
        return FORMAT.format(instant.truncatedTo(ChronoUnit.MICROS));
    }

    /** @throws IllegalArgumentException unless {@code text} is exactly the contract's form */
    public static Instant parse(String text, String name) {
        Objects.requireNonNull(text, name);
        if (!SHAPE.matcher(text).matches()) {
            throw new IllegalArgumentException(
                    "%s must be RFC 3339 UTC with six fractional digits, like 2025-03-01T12:00:00.123456Z (found \"%s\")"
                            .formatted(name, text));
        }
        return fastParse(text);
    }

    /**
     * {@link Instant#parse} of a text of the contract's shape without a formatter (the sequencer
     * parses every event it seals). Dates whose fields could be out of range (day above 28, month
     * above 12, ...) go to {@link Instant#parse}, so invalid dates fail exactly as before.
     */
    private static Instant fastParse(String t) {
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        if (month < 1 || month > 12 || day < 1 || day > 28 || hour > 23 || minute > 59 || second > 59) {
            return Instant.parse(t);
        }
        long epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400L + hour * 3_600L + minute * 60L + second, digits(t, 20, 6) * 1_000L);
    }

    private static int digits(String t, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            value = value * 10 + (t.charAt(i) - '0');
        }
        return value;
    }
}
