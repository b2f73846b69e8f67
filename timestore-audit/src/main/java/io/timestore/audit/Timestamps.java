package io.timestore.audit;

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
final class Timestamps {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final Pattern SHAPE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z");

    private Timestamps() {}

    static String format(Instant instant) {
        return FORMAT.format(instant.truncatedTo(ChronoUnit.MICROS));
    }

    /** @throws IllegalArgumentException unless {@code text} is exactly the contract's form */
    static Instant parse(String text, String name) {
        Objects.requireNonNull(text, name);
        if (!SHAPE.matcher(text).matches()) {
            throw new IllegalArgumentException(
                    "%s must be RFC 3339 UTC with six fractional digits, like 2025-03-01T12:00:00.123456Z (found \"%s\")"
                            .formatted(name, text));
        }
        return Instant.parse(text);
    }
}
