package io.timestore.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One entry of {@code audit.delivery.sinks}: its name and type, checked when the file is read, and
 * the type's own options, checked by the sink type that reads them. Every rule broken becomes an
 * {@link InvalidSettings} naming the option, e.g. {@code audit.delivery.sinks[0].path}.
 *
 * @param key     where it is configured: {@code audit.delivery.sinks[i]}
 * @param name    unique among sinks; it keys the sink's durable cursors, so renaming a sink starts it afresh
 * @param type    {@code file} (more types register in {@code server.delivery.SinkFactory})
 * @param options every other member of the entry, by name
 */
public record SinkSettings(String key, String name, String type, Map<String, JsonNode> options) {
    public SinkSettings {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        options = Map.copyOf(options);
    }

    /** A bad value of {@code option}. */
    public InvalidSettings invalid(String option, String rule) {
        return new InvalidSettings(key + "." + option, rule);
    }

    /** Refuses options this sink type does not know (a typo must not pass silently). */
    public void allowOnly(Set<String> known) {
        for (var option : options.keySet()) {
            if (!known.contains(option)) {
                throw invalid(option, "unknown option of a %s sink (known: %s)".formatted(type, new TreeSet<>(known)));
            }
        }
    }

    /** A scalar option's text, if given and not blank. */
    public Optional<String> text(String option) {
        var node = options.get(option);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isContainerNode()) {
            throw invalid(option, "expected a single value");
        }
        return Optional.of(node.asText().trim()).filter(v -> !v.isEmpty());
    }

    public String required(String option) {
        return text(option).orElseThrow(() -> invalid(option, "a value is required for a %s sink".formatted(type)));
    }

    public Duration duration(String option, Duration fallback) {
        var value = text(option);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            var parsed = Durations.parse(value.get());
            if (parsed.isNegative() || parsed.isZero()) {
                throw invalid(option, "'%s' must be a positive duration".formatted(value.get()));
            }
            return parsed;
        } catch (Durations.NotADuration e) {
            throw invalid(option, "'%s' %s".formatted(value.get(), e.rule()));
        }
    }

    /** A size such as {@code 512}, {@code 64KiB}, {@code 100MiB} or {@code 1GiB}, between {@code min} and {@code max} bytes. */
    public long bytes(String option, long fallback, long min, long max) {
        var value = text(option);
        if (value.isEmpty()) {
            return fallback;
        }
        var matcher = java.util.regex.Pattern.compile("(\\d{1,15})\\s*(|B|KiB|MiB|GiB)").matcher(value.get());
        if (!matcher.matches()) {
            throw invalid(option, "'%s' must be a size in bytes such as 1048576, 64KiB, 100MiB or 1GiB".formatted(value.get()));
        }
        long unit = switch (matcher.group(2)) {
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            default -> 1;
        };
        long bytes = Long.parseLong(matcher.group(1)) * unit;
        if (bytes < min || bytes > max) {
            throw invalid(option, "'%s' must be between %d and %d bytes".formatted(value.get(), min, max));
        }
        return bytes;
    }

    public String oneOf(String option, String fallback, Set<String> allowed) {
        var value = text(option).map(v -> v.toLowerCase(Locale.ROOT)).orElse(fallback);
        if (!allowed.contains(value)) {
            throw invalid(option, "'%s' must be one of %s".formatted(value, new TreeSet<>(allowed)));
        }
        return value;
    }
}
