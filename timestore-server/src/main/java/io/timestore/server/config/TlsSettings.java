package io.timestore.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS on the HTTP listener. Off (plain HTTP, for local development only) unless a certificate
 * and key are configured or a self-signed development certificate is asked for.
 *
 * @param certFile       PEM certificate chain, leaf first ({@code server.tls.cert-file})
 * @param keyFile        PEM private key of the leaf, RSA or EC, PKCS#8 or traditional
 *                       ({@code server.tls.key-file})
 * @param selfSigned     {@code serve --tls} without files: generate a development certificate
 *                       into the data directory (embedded database only)
 * @param minVersion     the oldest protocol accepted: TLS 1.3 unless 1.2 is opted into
 * @param reloadInterval how often the certificate and key files are checked for a change
 */
public record TlsSettings(Optional<Path> certFile, Optional<Path> keyFile, boolean selfSigned, Version minVersion,
                          Duration reloadInterval) {

    /** The protocol versions a listener may be limited to. */
    public enum Version {
        TLS_1_2("TLSv1.2"), TLS_1_3("TLSv1.3");

        private final String protocol;

        Version(String protocol) {
            this.protocol = protocol;
        }

        /** The JSSE protocol names enabled from this version up. */
        public List<String> protocols() {
            return this == TLS_1_3 ? List.of("TLSv1.3") : List.of("TLSv1.3", "TLSv1.2");
        }

        public String protocol() {
            return protocol;
        }
    }

    public TlsSettings {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(minVersion, "minVersion");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        if (certFile.isPresent() != keyFile.isPresent()) {
            throw new IllegalArgumentException("certFile and keyFile go together");
        }
    }

    /** Plain HTTP. */
    public static TlsSettings off() {
        return new TlsSettings(Optional.empty(), Optional.empty(), false, Version.TLS_1_3, Duration.ofSeconds(10));
    }

    /** Whether the listener speaks TLS. */
    public boolean enabled() {
        return certFile.isPresent() || selfSigned;
    }

    public TlsSettings withFiles(Path cert, Path key) {
        return new TlsSettings(Optional.of(cert), Optional.of(key), selfSigned, minVersion, reloadInterval);
    }

    public TlsSettings withMinVersion(Version replacement) {
        return new TlsSettings(certFile, keyFile, selfSigned, replacement, reloadInterval);
    }

    public TlsSettings withReloadInterval(Duration replacement) {
        return new TlsSettings(certFile, keyFile, selfSigned, minVersion, replacement);
    }
}
