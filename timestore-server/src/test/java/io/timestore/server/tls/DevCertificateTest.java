package io.timestore.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Api;
import io.timestore.server.testing.Directories;
import io.timestore.server.testing.ServerProcess;
import io.timestore.server.testing.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --tls} with the embedded database: a self-signed development certificate made
 * into the data directory, its SHA-256 fingerprint logged, and the same certificate reused by
 * the next start.
 */
class DevCertificateTest {
    private final Path dataDir = Directories.temporary("timestore-dev-tls");

    @AfterEach
    void removeDataDir() {
        Directories.delete(dataDir);
    }

    @Test
    void serve_tls_makes_a_development_certificate_logs_its_fingerprint_and_reuses_it() throws Exception {
        String fingerprint;
        try (var server = ServerProcess.serve(dataDir, "--tls")) {
            var base = https(server.awaitListening(Duration.ofSeconds(90)));
            var line = server.jsonLines().stream()
                    .filter(json -> json.has("fingerprint_sha256")).findFirst().orElseThrow();
            fingerprint = line.get("fingerprint_sha256").asText();
            var certificate = certificate(dataDir.resolve("keys/" + DevCertificate.CERT_FILE));

            assertThat(line.get("msg").asText()).contains("self-signed development certificate").contains(fingerprint);
            assertThat(new TestCertificates.Issued(certificate, null).fingerprint()).isEqualTo(fingerprint);
            var api = new Api(base, TestCertificates.trusting(certificate));
            var response = api.get("/healthz");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Strict-Transport-Security")).isPresent();
            assertThat(server.terminate(Duration.ofSeconds(60))).isZero();
        }

        try (var again = ServerProcess.serve(dataDir, "--tls")) {
            again.awaitListening(Duration.ofSeconds(90));
            assertThat(again.jsonLines().stream().filter(json -> json.has("fingerprint_sha256")).findFirst().orElseThrow()
                    .get("fingerprint_sha256").asText()).isEqualTo(fingerprint);
            again.terminate(Duration.ofSeconds(60));
        }
    }

    private static URI https(URI listening) {
        return URI.create("https://127.0.0.1:" + listening.getPort());
    }

    private static X509Certificate certificate(Path file) throws IOException, GeneralSecurityException {
        try (var in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
