package io.timestore.server.points;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.List;
import java.util.Objects;

/** One tag of a series: a non-empty key and a non-empty value (line protocol has no empty tag values). */
public record Tag(String key, String value) implements Comparable<Tag> {
    public Tag {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("tag key must not be empty");
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException("tag '%s' must have a non-empty value".formatted(key));
        }
    }

    /** Orders tags by key, the order of a series' tag set. */
    @Override
    public int compareTo(Tag other) {
        return key.compareTo(other.key);
    }

    /** The tag set as a JSON object, keys in sorted order (the point's tags already are). */
    public static String json(List<Tag> tags) {
        var json = new StringBuilder(16 + tags.size() * 24).append('{');
        for (int i = 0; i < tags.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            quote(json, tags.get(i).key());
            json.append(':');
            quote(json, tags.get(i).value());
        }
        return json.append('}').toString();
    }

    private static void quote(StringBuilder json, String text) {
        json.append('"').append(JsonStringEncoder.getInstance().quoteAsString(text)).append('"');
    }
}
