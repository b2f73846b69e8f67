package io.timestore.server.delivery;

import io.timestore.server.config.Durations;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, strict access to one sink's YAML entry (a {@code Map} from the configuration file), with
 * every failure an {@link InvalidSettings} naming the exact setting, e.g.
 * {@code audit.delivery.sinks[1].secret: missing}. Values of secret settings never appear in a message.
 *
 * @param key   the entry's setting key, e.g. {@code audit.delivery.sinks[1]}
 * @param entry the entry as parsed from YAML (values: strings, numbers, booleans, lists, maps)
 */
public record SinkEntry(String key, Map<String, Object> entry) {
    public SinkEntry {
        Objects.requireNonNull(key, "key");
        entry = new LinkedHashMap<>(Objects.requireNonNull(entry, "entry"));
    }

    /** Refuses members the sink type does not know (a typo must not silently drop a setting). */
    public SinkEntry allowOnly(Set<String> known) {
        var unknown = new TreeSet<>(entry.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new InvalidSettings(key + "." + unknown.first(), "unknown setting (known: %s)".formatted(new TreeSet<>(known)));
        }
        return this;
    }

    /** The full key of member {@code name}. */
    public String keyOf(String name) {
        return key + "." + name;
    }

    public String string(String name) {
        return optionalString(name).orElseThrow(() -> new InvalidSettings(keyOf(name), "missing"));
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
            throw new InvalidSettings(keyOf(name), "missing");
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
