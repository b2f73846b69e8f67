package io.timestore.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.server.config.InvalidSettings;
import io.timestore.server.testing.RefusedStart;
import io.timestore.server.testing.TestCertificates;
import io.timestore.server.testing.TestCertificates.KeyForm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate, key or TLS version the listener cannot use stops {@code serve} with exit code 2
 * and one line naming the setting; every key form operators have is read.
 */
class TlsConfigurationTest {
    @TempDir
    Path dir;

    private RefusedStart serve(Map<String, String> env) {
        return RefusedStart.withEnvironment(dir, env);
    }

    @Test
    void an_unreadable_certificate_exits_2_naming_server_tls_cert_file() throws IOException {
        var key = TestCertificates.writeKey(dir.resolve("key.pem"), TestCertificates.keyPair("EC").getPrivate(), KeyForm.PKCS8);

        var result = serve(Map.of("TIMESTORE_TLS_CERT_FILE", dir.resolve("missing.pem").toString(),
                "TIMESTORE_TLS_KEY_FILE", key.toString()));

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("timestore: invalid configuration: server.tls.cert-file: cannot read");
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void a_file_that_holds_no_certificate_exits_2_naming_server_tls_cert_file() throws IOException {
        var notPem = Files.writeString(dir.resolve("cert.pem"), "hello\n");
        var key = TestCertificates.writeKey(dir.resolve("key.pem"), TestCertificates.keyPair("EC").getPrivate(), KeyForm.PKCS8);

        var result = serve(Map.of("TIMESTORE_TLS_CERT_FILE", notPem.toString(), "TIMESTORE_TLS_KEY_FILE", key.toString()));

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("server.tls.cert-file");
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void a_key_that_does_not_belong_to_the_certificate_exits_2_naming_server_tls_key_file() {
        var issued = TestCertificates.selfSigned("EC", "localhost");
        var cert = TestCertificates.writeCertificates(dir.resolve("cert.pem"), issued.certificate());
        var other = TestCertificates.writeKey(dir.resolve("key.pem"), TestCertificates.keyPair("EC").getPrivate(), KeyForm.PKCS8);

        var result = serve(Map.of("TIMESTORE_TLS_CERT_FILE", cert.toString(), "TIMESTORE_TLS_KEY_FILE", other.toString()));

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("timestore: invalid configuration: server.tls.key-file: the key in")
                .contains("does not belong to the certificate");
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void a_misspelled_tls_version_exits_2_naming_server_tls_min_version() {
        for (var misspelled : new String[] {"1.4", "TLS1.3", "tls13", "1.1"}) {
            var result = serve(Map.of("TIMESTORE_TLS_MIN_VERSION", misspelled));

            assertThat(result.exitCode()).as(misspelled).isEqualTo(2);
            assertThat(result.err()).as(misspelled).startsWith("timestore: invalid configuration: server.tls.min-version: '" + misspelled + "'");
        }
    }

    @Test
    void a_certificate_without_a_key_exits_2_naming_server_tls_key_file() {
        var cert = TestCertificates.writeCertificates(dir.resolve("cert.pem"), TestCertificates.selfSigned("EC", "localhost").certificate());

        var result = serve(Map.of("TIMESTORE_TLS_CERT_FILE", cert.toString()));

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).isEqualTo("timestore: invalid configuration: server.tls.key-file: required when server.tls.cert-file is set");
    }

    @Test
    void rsa_and_ec_keys_are_read_in_pkcs8_and_traditional_forms() {
        for (var algorithm : new String[] {"RSA", "EC"}) {
            for (var form : KeyForm.values()) {
                var issued = TestCertificates.selfSigned(algorithm, "localhost");
                var cert = TestCertificates.writeCertificates(dir.resolve(algorithm + form + ".crt"), issued.certificate());
                var key = TestCertificates.writeKey(dir.resolve(algorithm + form + ".key"), issued.key(), form);

                var loaded = ServerCertificate.load(cert, key);

                assertThat(loaded.leaf()).as(algorithm + " " + form).isEqualTo(issued.certificate());
                assertThat(loaded.fingerprint()).isEqualTo(issued.fingerprint());
            }
        }
    }

    @Test
    void an_encrypted_or_unsupported_key_is_refused_naming_server_tls_key_file() throws IOException {
        var issued = TestCertificates.selfSigned("EC", "localhost");
        var cert = TestCertificates.writeCertificates(dir.resolve("cert.pem"), issued.certificate());
        var ed = TestCertificates.writeKey(dir.resolve("ed.key"), TestCertificates.keyPair("Ed25519").getPrivate(), KeyForm.PKCS8);

        assertThatThrownBy(() -> ServerCertificate.load(cert, ed))
                .isInstanceOf(InvalidSettings.class).hasMessageContaining("server.tls.key-file");
    }
}
