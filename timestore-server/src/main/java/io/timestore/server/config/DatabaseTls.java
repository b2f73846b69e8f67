package io.timestore.server.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * TLS to an external PostgreSQL. A URL without {@code sslmode} is given {@code mode} (by default
 * {@code verify-full}: encrypted, the server's certificate checked against the root certificate
 * and its name against the URL's host) and, when configured, {@code sslrootcert}. What the URL
 * names itself wins. Anything weaker than {@code verify-full} is an explicit opt-out, logged as
 * a warning at every start.
 *
 * @param mode     {@code verify-full}, {@code verify-ca}, {@code require} or {@code disable}
 * @param rootCert PEM file of the CA(s) the server's certificate must chain to ({@code sslrootcert})
 */
public record DatabaseTls(String mode, Optional<Path> rootCert) {
    public static final Set<String> MODES = Set.of("verify-full", "verify-ca", "require", "disable");
    public static final DatabaseTls VERIFY_FULL = new DatabaseTls("verify-full", Optional.empty());

    public DatabaseTls {
        Objects.requireNonNull(rootCert, "rootCert");
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException("mode must be one of " + MODES);
        }
    }

    /**
     * {@code url} with {@code sslmode} and {@code sslrootcert} added where it names none.
     */
    public String apply(String url) {
        var effective = url;
        if (DatabaseUrls.parameter(effective, "sslmode").isEmpty()) {
            effective = DatabaseUrls.withParameter(effective, "sslmode", mode);
        }
        if (rootCert.isPresent() && DatabaseUrls.parameter(effective, "sslrootcert").isEmpty()) {
            effective = DatabaseUrls.withParameter(effective, "sslrootcert", rootCert.get().toAbsolutePath().toString());
        }
        return effective;
    }
}
