package io.timestore.server.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A configured secret (password, key material). {@link #toString()} never shows the value, so a
 * secret that ends up in a log line, an exception or a record's toString stays hidden.
 */
public final class Secret {
    private static final Secret NONE = new Secret(null);
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        return new Secret(Objects.requireNonNull(value, "value"));
    }

    public static Secret none() {
        return NONE;
    }

    static Secret ofNullable(String value) {
        return value == null || value.isEmpty() ? NONE : new Secret(value);
    }

    /** The clear value, for the one place that must hand it to a driver or a cipher. */
    public Optional<String> reveal() {
        return Optional.ofNullable(value);
    }

    public boolean isPresent() {
        return value != null;
    }

    @Override
    public String toString() {
        return value == null ? "(none)" : "****";
    }
}
