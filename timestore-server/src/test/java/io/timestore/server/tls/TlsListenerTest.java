package io.timestore.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.server.config.TlsSettings;
import io.timestore.server.http.HttpServer;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.Directories;
import io.timestore.server.testing.TestCertificates;
import io.timestore.server.testing.TestCertificates.Issued;
import io.timestore.server.testing.TestCertificates.KeyForm;
import io.timestore.server.testing.TimestoreServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The listener over real TLS connections: TLS 1.3 only unless 1.2 is opted into, HSTS on HTTPS
 * answers, and a rotated certificate served to the next connection without a restart.
 */
class TlsListenerTest {
    private static final Path DIR = Directories.temporary("timestore-tls-test");
    private static final Issued CA = TestCertificates.authority("Timestore test CA");
    private static final Issued FIRST = TestCertificates.issue(CA, "EC", "localhost", "127.0.0.1");
    private static final Path CERT = TestCertificates.writeCertificates(DIR.resolve("server.pem"), FIRST.certificate(), CA.certificate());
    private static final Path KEY = TestCertificates.writeKey(DIR.resolve("server.key"), FIRST.key(), KeyForm.PKCS8);
    /** The opted-in server: an RSA key in its traditional PKCS#1 form. */
    private static final Issued RSA = TestCertificates.issue(CA, "RSA", "localhost", "127.0.0.1");
    private static final Path RSA_CERT = TestCertificates.writeCertificates(DIR.resolve("rsa.pem"), RSA.certificate());
    private static final Path RSA_KEY = TestCertificates.writeKey(DIR.resolve("rsa.key"), RSA.key(), KeyForm.TRADITIONAL);

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().with(s -> s.withHttp(s.http().withTls(
            TlsSettings.off().withFiles(CERT, KEY).withReloadInterval(Duration.ofMillis(100)))));

    @RegisterExtension
    static final TimestoreServer optedIn = TimestoreServer.create().with(s -> s.withHttp(s.http().withTls(
            TlsSettings.off().withFiles(RSA_CERT, RSA_KEY).withMinVersion(TlsSettings.Version.TLS_1_2))));

    @AfterAll
    static void removeFiles() {
        Directories.delete(DIR);
    }

    @Test
    void a_tls_1_3_client_is_served_over_https_with_hsts() throws IOException {
        try (var socket = handshake(server, "TLSv1.3")) {
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
        var api = new Api(server.timestore().baseUri(), TestCertificates.trusting(CA.certificate()));
        assertThat(api.base().getScheme()).isEqualTo("https");

        var response = api.get("/healthz");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Strict-Transport-Security"))
                .hasValue("max-age=" + HttpServer.HSTS_MAX_AGE.toSeconds());
    }

    @Test
    void a_tls_1_2_only_client_is_refused_when_1_3_is_required() {
        assertThatThrownBy(() -> handshake(server, "TLSv1.2").close()).isInstanceOf(SSLException.class);
    }

    @Test
    void a_tls_1_2_client_is_served_once_1_2_is_opted_into_with_a_forward_secret_aead_suite() throws IOException {
        try (var socket = handshake(optedIn, "TLSv1.2")) {
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(socket.getSession().getCipherSuite()).startsWith("TLS_ECDHE_RSA_WITH_").containsAnyOf("_GCM_", "CHACHA20");
            assertThat(socket.getSession().getPeerCertificates()[0]).isEqualTo(RSA.certificate());
        }
    }

    /**
     * The JDK's client no longer offers TLS 1.1, so the offer is written by hand: a TLS 1.1
     * ClientHello on the wire, answered with an alert or a closed connection, never a ServerHello.
     */
    @Test
    void a_tls_1_1_client_hello_gets_no_server_hello_even_with_1_2_opted_into() throws IOException {
        for (var target : new TimestoreServer[] {server, optedIn}) {
            try (var socket = new Socket("127.0.0.1", target.timestore().port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(clientHello(0x02));
                socket.getOutputStream().flush();
                int contentType = firstByte(socket.getInputStream());

                assertThat(contentType).as("record type answered to a TLS 1.1 ClientHello (21 alert, -1 closed, 22 handshake)")
                        .isIn(21, -1);
            }
        }
    }

    @Test
    void a_rotated_certificate_is_served_to_the_next_connection_without_a_restart() throws IOException {
        var second = TestCertificates.issue(CA, "EC", "localhost", "127.0.0.1");
        try (var before = handshake(server, "TLSv1.3")) {
            assertThat(before.getSession().getPeerCertificates()[0]).isNotEqualTo(second.certificate());
        }

        TestCertificates.writeKey(KEY, second.key(), KeyForm.TRADITIONAL);
        TestCertificates.writeCertificates(CERT, second.certificate(), CA.certificate());

        Await.until("a new connection is served the rotated certificate", Duration.ofSeconds(20),
                () -> second.certificate().equals(servedCertificate()));
        assertThat(server.timestore().tls().orElseThrow().certificate().fingerprint()).isEqualTo(second.fingerprint());
        assertThat(new Api(server.timestore().baseUri(), TestCertificates.trusting(CA.certificate())).get("/healthz").statusCode())
                .isEqualTo(200);
    }

    @Test
    void a_key_that_does_not_belong_to_the_certificate_is_not_swapped_in() throws IOException {
        var current = server.timestore().tls().orElseThrow().certificate();
        var served = servedCertificate();
        assertThat(served).isEqualTo(current.leaf());
        var stranger = TestCertificates.issue(CA, "EC", "localhost", "127.0.0.1");
        var refusedBefore = refusals();

        TestCertificates.writeKey(KEY, stranger.key(), KeyForm.PKCS8);

        Await.until("the watcher refuses the mismatched key", Duration.ofSeconds(20), () -> refusals() > refusedBefore);
        assertThat(servedCertificate()).isEqualTo(served);
        // Put back a matching key for whatever runs next.
        TestCertificates.writeKey(KEY, current.key(), KeyForm.PKCS8);
        Await.until("the matching pair is served again", Duration.ofSeconds(20), () -> served.equals(servedCertificate()));
    }

    private static double refusals() {
        return server.timestore().registry().get("timestore.tls.reloads").tag("outcome", "refused").counter().count();
    }

    private static X509Certificate servedCertificate() {
        try (var socket = handshake(server, "TLSv1.3")) {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SSLSocket handshake(TimestoreServer target, String... protocols) throws IOException {
        var factory = TestCertificates.trusting(CA.certificate()).getSocketFactory();
        var socket = (SSLSocket) factory.createSocket("127.0.0.1", target.timestore().port());
        try {
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(protocols);
            socket.startHandshake();
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static int firstByte(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed the connection", e);
        } catch (IOException e) {
            return -1; // reset: refused
        }
    }

    /** A TLS 1.x ClientHello record ({@code minor}: 1 for 1.0, 2 for 1.1, 3 for 1.2) without extensions. */
    private static byte[] clientHello(int minor) {
        var body = new ByteArrayOutputStream();
        body.write(3);
        body.write(minor);
        var random = new byte[32];
        new SecureRandom().nextBytes(random);
        body.writeBytes(random);
        body.write(0); // no session id
        body.writeBytes(new byte[] {0, 6, (byte) 0xc0, 0x13, (byte) 0xc0, 0x09, 0, 0x2f}); // ECDHE-RSA/ECDSA-AES128-SHA, AES128-SHA
        body.writeBytes(new byte[] {1, 0}); // null compression
        var hello = body.toByteArray();
        var record = new ByteArrayOutputStream();
        record.writeBytes(new byte[] {22, 3, 1});
        int handshakeLength = hello.length + 4;
        record.write(handshakeLength >> 8);
        record.write(handshakeLength & 0xff);
        record.write(1); // client_hello
        record.write(0);
        record.write(hello.length >> 8);
        record.write(hello.length & 0xff);
        record.writeBytes(hello);
        return record.toByteArray();
    }
}
