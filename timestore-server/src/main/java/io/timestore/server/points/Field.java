package io.timestore.server.points;

import java.util.Objects;

/** One field of a point: a non-empty key and its typed value. */
public record Field(String key, FieldValue value) {
    public Field {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("field key must not be empty");
        }
    }

    public FieldType type() {
        return value.type();
    }
}
