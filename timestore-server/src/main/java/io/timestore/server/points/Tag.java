package io.timestore.server.points;

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
}
