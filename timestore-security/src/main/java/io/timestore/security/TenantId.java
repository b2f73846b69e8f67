package io.timestore.security;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The identifier of a tenant: lower-case letters, digits and hyphens, 2 to 63 characters,
 * starting with a letter or digit. Every tenant-scoped operation carries one; there is no default.
 */
public record TenantId(String value) {
    private static final Pattern FORMAT = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");

    public TenantId {
        Objects.requireNonNull(value, "value");
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("tenant id must match ^[a-z0-9][a-z0-9-]{1,62}$");
        }
    }

    /** Parses untrusted input; empty when it is not a well-formed tenant id. */
    public static Optional<TenantId> parse(String candidate) {
        return candidate != null && FORMAT.matcher(candidate).matches()
                ? Optional.of(new TenantId(candidate))
                : Optional.empty();
    }

    @Override
    public String toString() {
        return value;
    }
}
