package io.timestore.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.cli.Main;
import io.timestore.server.config.DatabaseTls;
import io.timestore.server.testing.Directories;
import io.timestore.server.testing.SharedPostgres;
import io.timestore.server.testing.TestCertificates;
import io.timestore.server.testing.TestCertificates.Issued;
import io.timestore.server.testing.TestCertificates.KeyForm;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS to an external PostgreSQL, against a real one started with {@code ssl=on} and a certificate
 * for {@code localhost} issued by a CA made in this test: a URL without {@code sslmode} is reached
 * with {@code verify-full}, so the right CA connects (encrypted) and another CA or another name
 * is refused. A cluster of its own, since the shared test cluster has no certificate.
 */
class PostgresTlsTest {
    private static final String MASTER_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static Path dir;
    private static EmbeddedPostgres postgres;
    private static Issued ca;
    private static Path caFile;
    private static Path otherCaFile;

    @BeforeAll
    static void startPostgresWithTls() throws IOException, SQLException {
        dir = Directories.temporary("timestore-pg-tls");
        ca = TestCertificates.authority("Timestore test database CA");
        caFile = TestCertificates.writeCertificates(dir.resolve("ca.pem"), ca.certificate());
        otherCaFile = TestCertificates.writeCertificates(dir.resolve("other-ca.pem"),
                TestCertificates.authority("Some other CA").certificate());
        var server = TestCertificates.issue(ca, "EC", "localhost");
        // PostgreSQL insists the key file is readable by its owner only, which the harness's files are.
        var certFile = TestCertificates.writeCertificates(dir.resolve("server.crt"), server.certificate());
        var keyFile = TestCertificates.writeKey(dir.resolve("server.key"), server.key(), KeyForm.PKCS8);
        postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dir.resolve("pg"))
                .setCleanDataDirectory(true)
                .setRegisterShutdownHook(false)
                .setServerConfig("listen_addresses", "localhost")
                .setServerConfig("ssl", "on")
                .setServerConfig("ssl_cert_file", certFile.toString())
                .setServerConfig("ssl_key_file", keyFile.toString())
                .setServerConfig("max_connections", "30")
                .start();
        try (var superuser = postgres.getPostgresDatabase().getConnection()) {
            Roles.ensureRoles(superuser, SharedPostgres.OWNER, SharedPostgres.RUNTIME, SharedPostgres.RETENTION);
            Roles.ensureDatabase(superuser, "timestore", SharedPostgres.OWNER, SharedPostgres.RUNTIME, SharedPostgres.RETENTION);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
        Directories.delete(dir);
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run migrate(String host, Map<String, String> env) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        var all = new java.util.HashMap<>(env);
        all.put("TIMESTORE_DB_URL", "jdbc:postgresql://%s:%d/timestore".formatted(host, postgres.getPort()));
        all.put("TIMESTORE_MASTER_KEY", MASTER_KEY);
        all.put("TIMESTORE_DATA_DIR", dir.resolve("data").toString());
        int code = Main.run(new String[] {"migrate"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), all);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void a_url_without_sslmode_is_reached_with_verify_full_and_the_right_ca_connects_encrypted() throws SQLException {
        var result = migrate("localhost", Map.of("TIMESTORE_DB_TLS_ROOT_CERT", caFile.toString()));

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("sslmode=verify-full");
        var url = new DatabaseTls("verify-full", Optional.of(caFile))
                .apply("jdbc:postgresql://localhost:%d/timestore".formatted(postgres.getPort()));
        try (var connection = DriverManager.getConnection(url, SharedPostgres.OWNER, "");
             var rows = connection.createStatement().executeQuery("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getBoolean("ssl")).isTrue();
            assertThat(rows.getString("version")).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void a_server_certificate_from_another_ca_is_refused() {
        var result = migrate("localhost", Map.of("TIMESTORE_DB_TLS_ROOT_CERT", otherCaFile.toString()));

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("timestore: invalid configuration: database.url: cannot connect").contains("SSL");
    }

    @Test
    void a_server_certificate_whose_name_does_not_match_the_host_is_refused() {
        // The certificate names localhost; 127.0.0.1 is the same server under a name it does not carry.
        var result = migrate("127.0.0.1", Map.of("TIMESTORE_DB_TLS_ROOT_CERT", caFile.toString()));

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("timestore: invalid configuration: database.url: cannot connect")
                .contains("127.0.0.1 could not be verified");
    }

    @Test
    void the_opt_out_is_explicit_in_the_url_or_the_setting_and_the_url_wins() {
        var base = "jdbc:postgresql://db:5432/timestore";

        assertThat(DatabaseTls.VERIFY_FULL.apply(base)).isEqualTo(base + "?sslmode=verify-full");
        assertThat(new DatabaseTls("disable", Optional.empty()).apply(base)).isEqualTo(base + "?sslmode=disable");
        assertThat(DatabaseTls.VERIFY_FULL.apply(base + "?sslmode=disable")).isEqualTo(base + "?sslmode=disable");
        assertThat(new DatabaseTls("verify-full", Optional.of(caFile)).apply(base + "?ApplicationName=x"))
                .startsWith(base + "?ApplicationName=x&sslmode=verify-full&sslrootcert=").endsWith("ca.pem");
    }
}
