package io.timestore.server.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.config.Durations;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.Secret;
import io.timestore.server.config.SinkSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Typed, strict access to one sink's entry (the members of a platform sink in the configuration
 * file, or of a tenant's stream), with every failure an {@link InvalidSettings} naming the exact
 * setting, e.g. {@code audit.delivery.sinks[1].secret: a value is required for a webhook sink}.
 * Values of secret settings never appear in a message.
 *
 * @param key   the entry's setting key, e.g. {@code audit.delivery.sinks[1]}
 * @param entry the entry as parsed from YAML (values: strings, numbers, booleans, lists, maps)
 */
public record SinkEntry(String key, Map<String, Object> entry) {
    private static final ObjectMapper JSON_VALUES = new ObjectMapper();
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(|B|KiB|MiB|GiB)");

    public SinkEntry {
        Objects.requireNonNull(key, "key");
        entry = new LinkedHashMap<>(Objects.requireNonNull(entry, "entry"));
    }

    /** A configured platform sink as an entry: its name, type and options. */
    public static SinkEntry of(SinkSettings settings) {
        var members = new LinkedHashMap<String, Object>();
        members.put("name", settings.name());
        members.put("type", settings.type());
        settings.options().forEach((option, value) -> members.put(option, JSON_VALUES.convertValue(value, Object.class)));
        return new SinkEntry(settings.key(), members);
    }

    /** The same entry without {@code members} (options another reader has taken). */
    public SinkEntry without(Set<String> members) {
        var rest = new LinkedHashMap<>(entry);
        rest.keySet().removeAll(members);
        return new SinkEntry(key, rest);
    }

    /** Refuses members the sink type does not know (a typo must not silently drop a setting). */
    public SinkEntry allowOnly(Set<String> known) {
        var unknown = new TreeSet<>(entry.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw invalid(unknown.first(), "unknown option of a %s sink (known: %s)".formatted(type(), new TreeSet<>(known)));
        }
        return this;
    }

    /** The full key of member {@code name}. */
    public String keyOf(String name) {
        return key + "." + name;
    }

    /** A bad value of member {@code name}. */
    public InvalidSettings invalid(String name, String rule) {
        return new InvalidSettings(keyOf(name), rule);
    }

    private String type() {
        return String.valueOf(entry.getOrDefault("type", "sink"));
    }

    public String string(String name) {
        return optionalString(name).orElseThrow(() -> invalid(name, "a value is required for a %s sink".formatted(type())));
    }

    public Optional<String> optionalString(String name) {
        var value = entry.get(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
            throw new InvalidSettings(keyOf(name), "must be a text value");
        }
        var text = value.toString().strip();
        if (text.isEmpty()) {
            throw new InvalidSettings(keyOf(name), "must not be empty");
        }
        return Optional.of(text);
    }

    /** A secret setting: never echoed in a message. */
    public Secret secret(String name) {
        var value = entry.get(name);
        if (value == null) {
            throw invalid(name, "a value is required for a %s sink".formatted(type()));
        }
        if (!(value instanceof String text) || text.isBlank()) {
            throw new InvalidSettings(keyOf(name), "must be a non-empty text value");
        }
        return Secret.of(text.strip());
    }

    public boolean bool(String name, boolean fallback) {
        var value = entry.get(name);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if ("true".equals(value) || "false".equals(value)) {
            return Boolean.parseBoolean((String) value);
        }
        throw new InvalidSettings(keyOf(name), "must be true or false (found \"%s\")".formatted(value));
    }

    public Duration duration(String name, Duration fallback, Duration min, Duration max) {
        var text = optionalString(name);
        if (text.isEmpty()) {
            return fallback;
        }
        Duration value;
        try {
            value = Durations.parse(text.get());
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings(keyOf(name), e.getMessage(), e);
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new InvalidSettings(keyOf(name), "must be between %s and %s (found %s)"
                    .formatted(Durations.format(min), Durations.format(max), text.get()));
        }
        return value;
    }

    /** A whole number between {@code min} and {@code max}, or {@code fallback} when not given. */
    public int integer(String name, int fallback, int min, int max) {
        var text = optionalString(name);
        if (text.isEmpty()) {
            return fallback;
        }
        int value;
        try {
            value = Integer.parseInt(text.get());
        } catch (NumberFormatException e) {
            throw invalid(name, "'%s' must be a whole number".formatted(text.get()));
        }
        if (value < min || value > max) {
            throw invalid(name, "must be between %d and %d (found %d)".formatted(min, max, value));
        }
        return value;
    }

    /** A size such as {@code 512}, {@code 64KiB}, {@code 100MiB} or {@code 1GiB}, between {@code min} and {@code max} bytes. */
    public long bytes(String name, long fallback, long min, long max) {
        var text = optionalString(name);
        if (text.isEmpty()) {
            return fallback;
        }
        var matcher = SIZE.matcher(text.get());
        if (!matcher.matches()) {
            throw invalid(name, "'%s' must be a size in bytes such as 1048576, 64KiB, 100MiB or 1GiB".formatted(text.get()));
        }
        long unit = switch (matcher.group(2)) {
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            default -> 1;
        };
        long bytes = Long.parseLong(matcher.group(1)) * unit;
        if (bytes < min || bytes > max) {
            throw invalid(name, "'%s' must be between %d and %d bytes".formatted(text.get(), min, max));
        }
        return bytes;
    }

    /** One of {@code allowed} (compared in lower case), or {@code fallback} when not given. */
    public String oneOf(String name, String fallback, Set<String> allowed) {
        var value = optionalString(name).map(v -> v.toLowerCase(Locale.ROOT)).orElse(fallback);
        if (!allowed.contains(value)) {
            throw invalid(name, "'%s' must be one of %s".formatted(value, new TreeSet<>(allowed)));
        }
        return value;
    }

    public List<String> strings(String name) {
        var value = entry.get(name);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new InvalidSettings(keyOf(name), "must be a list of text values");
        }
        var texts = new ArrayList<String>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String text) || text.isBlank()) {
                throw new InvalidSettings("%s[%d]".formatted(keyOf(name), i), "must be a non-empty text value");
            }
            texts.add(text.strip());
        }
        return List.copyOf(texts);
    }

    /** A map of text values (e.g. producer properties), numbers and booleans written as text. */
    public Map<String, String> textMap(String name) {
        var value = entry.get(name);
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new InvalidSettings(keyOf(name), "must be a map of names to values");
        }
        var texts = new LinkedHashMap<String, String>();
        for (var e : map.entrySet()) {
            var member = keyOf(name) + "." + e.getKey();
            if (!(e.getValue() instanceof String || e.getValue() instanceof Number || e.getValue() instanceof Boolean)) {
                throw new InvalidSettings(member, "must be a text, number or boolean value");
            }
            texts.put(String.valueOf(e.getKey()), e.getValue().toString());
        }
        return texts;
    }
}
