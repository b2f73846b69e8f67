package io.timestore.server.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Real certificates for TLS tests: a test CA, server certificates it issues (or self-signed ones),
 * written as PEM in the forms operators have (PKCS#8 or the traditional PKCS#1 / SEC1), and SSL
 * contexts that trust exactly the given certificates.
 */
public final class TestCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestCertificates() {}

    /** A certificate and its key pair. */
    public record Issued(X509Certificate certificate, KeyPair keys) {
        public PrivateKey key() {
            return keys.getPrivate();
        }

        /** SHA-256 of the certificate's DER encoding, colon-separated upper-case hex. */
        public String fingerprint() {
            try {
                return HexFormat.ofDelimiter(":").withUpperCase()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** How a private key is written. */
    public enum KeyForm { PKCS8, TRADITIONAL }

    public static KeyPair keyPair(String algorithm) {
        try {
            var generator = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            } else if (algorithm.equals("RSA")) {
                generator.initialize(2048, RANDOM);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CA certificate (EC). */
    public static Issued authority(String name) {
        var keys = keyPair("EC");
        return new Issued(build(name, keys, name, keys.getPrivate(), true, List.of()), keys);
    }

    /** A server certificate for {@code names} (DNS names or IP addresses), issued by {@code ca}. */
    public static Issued issue(Issued ca, String algorithm, String... names) {
        var keys = keyPair(algorithm);
        var subject = names.length == 0 ? "server" : names[0];
        return new Issued(build(subject, keys, principal(ca), ca.key(), false, List.of(names)), keys);
    }

    /** A self-signed server certificate for {@code names}. */
    public static Issued selfSigned(String algorithm, String... names) {
        var keys = keyPair(algorithm);
        var subject = names.length == 0 ? "server" : names[0];
        return new Issued(build(subject, keys, subject, keys.getPrivate(), false, List.of(names)), keys);
    }

    private static String principal(Issued ca) {
        return ca.certificate().getSubjectX500Principal().getName().replaceFirst("^CN=", "");
    }

    private static X509Certificate build(String subject, KeyPair keys, String issuer, PrivateKey signingKey, boolean ca,
                                         List<String> names) {
        var now = Instant.now();
        try {
            var builder = new JcaX509v3CertificateBuilder(new X500Name("CN=" + issuer), new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(2))),
                    new X500Name("CN=" + subject), keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            }
            if (!names.isEmpty()) {
                var general = new ArrayList<GeneralName>();
                for (var name : names) {
                    general.add(name.matches("[0-9.]+|.*:.*")
                            ? new GeneralName(GeneralName.iPAddress, name) : new GeneralName(GeneralName.dNSName, name));
                }
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(general.toArray(GeneralName[]::new)));
            }
            var algorithm = signingKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(signingKey)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build a test certificate", e);
        }
    }

    /** Writes certificates as PEM, in the given order. */
    public static Path writeCertificates(Path file, X509Certificate... certificates) {
        var text = new StringWriter();
        try (var writer = new JcaPEMWriter(text)) {
            for (var certificate : certificates) {
                writer.writeObject(certificate);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return write(file, text.toString());
    }

    /** Writes a private key as PEM: PKCS#8 ({@code PRIVATE KEY}) or traditional ({@code RSA/EC PRIVATE KEY}). */
    public static Path writeKey(Path file, PrivateKey key, KeyForm form) {
        var text = new StringWriter();
        try (var writer = new JcaPEMWriter(text)) {
            writer.writeObject(form == KeyForm.PKCS8 ? new JcaPKCS8Generator(key, null).generate() : traditional(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return write(file, text.toString());
    }

    /**
     * PKCS#1 for RSA; for EC the SEC1 structure with its curve named inside, as openssl writes it
     * (BouncyCastle's writer leaves the curve out of a JDK key's SEC1 form).
     */
    private static Object traditional(PrivateKey key) throws IOException {
        if (!key.getAlgorithm().equals("EC")) {
            return key;
        }
        var info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded());
        var sec1 = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
        var full = new org.bouncycastle.asn1.sec.ECPrivateKey(256, sec1.getKey(), info.getPrivateKeyAlgorithm().getParameters());
        return new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", full.getEncoded());
    }

    private static Path write(Path file, String text) {
        try {
            // Write then move: the server's watcher never sees half a file.
            var temp = Files.createTempFile(file.toAbsolutePath().getParent(), ".pem", ".tmp");
            Files.writeString(temp, text);
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client context that trusts exactly {@code anchors}. */
    public static SSLContext trusting(X509Certificate... anchors) {
        try {
            var store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < anchors.length; i++) {
                store.setCertificateEntry("anchor-" + i, anchors[i]);
            }
            var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            var context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), RANDOM);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
