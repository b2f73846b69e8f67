package io.timestore.audit.canonical;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/** Lower-case JSON labels for enums: the contract spells {@code DENIED} as {@code "denied"}. */
public final class Labels {
    private Labels() {}

    public static String of(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    public static <E extends Enum<E>> E parse(Class<E> type, String label, String name) {
        Objects.requireNonNull(label, name);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(label)) {
                return constant;
            }
        }
        String accepted = Arrays.stream(type.getEnumConstants()).map(Labels::of).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("%s must be one of %s (found \"%s\")".formatted(name, accepted, label));
    }
}
