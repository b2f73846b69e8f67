package io.timestore.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of {@code audit.delivery.sinks}: its name and type, checked when the file is read, and
 * the type's own options, checked by the sink type that reads them through
 * {@code server.delivery.SinkEntry} (the one reader of sink options, for platform sinks and tenant
 * streams alike), which names the option in every {@link InvalidSettings}, e.g.
 * {@code audit.delivery.sinks[0].path}.
 *
 * @param key     where it is configured: {@code audit.delivery.sinks[i]}
 * @param name    unique among sinks; it keys the sink's durable cursors, so renaming a sink starts it afresh
 * @param type    {@code file}, {@code webhook} or {@code kafka} (types register in {@code server.delivery.SinkFactory})
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
}
