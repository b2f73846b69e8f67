package io.timestore.server.points;

import java.util.Locale;

/** The type of a field value, as InfluxDB names it ({@code float|integer|unsigned|boolean|string}). */
public enum FieldType {
    FLOAT,
    INTEGER,
    UNSIGNED,
    BOOLEAN,
    STRING;

    private final String lowercaseName = name().toLowerCase(Locale.ROOT);

    /** The lowercase name used in APIs and storage: {@code float}, {@code integer}, ... */
    public String lowercaseName() {
        return lowercaseName;
    }

    /** The type named {@code name} (lowercase, as {@link #lowercaseName()} spells it). */
    public static FieldType fromLowercaseName(String name) {
        for (FieldType type : values()) {
            if (type.lowercaseName.equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException(
                "unknown field type '%s': expected float, integer, unsigned, boolean or string".formatted(name));
    }

    @Override
    public String toString() {
        return lowercaseName;
    }
}
