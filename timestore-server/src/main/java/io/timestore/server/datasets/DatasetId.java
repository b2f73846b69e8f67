package io.timestore.server.datasets;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The identifier of a dataset within its tenant: lower-case letters, digits and {@code _.-}, 1 to
 * 128 characters, starting with a letter or digit (docs/data-plane.md). The one definition of
 * the rule: every route, body and token permission that names a dataset checks it here.
 */
public record DatasetId(String value) {
    /** The rule as clients read it in error messages. */
    public static final String RULE = "^[a-z0-9][a-z0-9_.-]{0,127}$";
    private static final Pattern FORMAT = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,127}");

    public DatasetId {
        Objects.requireNonNull(value, "value");
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("dataset id must match " + RULE);
        }
    }

    /** Parses untrusted input; empty when it is not a well-formed dataset id. */
    public static Optional<DatasetId> parse(String candidate) {
        return isValid(candidate) ? Optional.of(new DatasetId(candidate)) : Optional.empty();
    }

    /** Whether {@code candidate} is a well-formed dataset id ({@code null} is not). */
    public static boolean isValid(String candidate) {
        return candidate != null && FORMAT.matcher(candidate).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
