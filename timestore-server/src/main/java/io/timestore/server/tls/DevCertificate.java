package io.timestore.server.tls;

import io.timestore.server.config.InvalidSettings;
import io.timestore.server.identity.KeyFiles;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The self-signed certificate of {@code serve --tls} with the embedded database: an EC P-256 key
 * and a certificate for {@code localhost}, the loopback addresses and the configured host, made
 * once into {@code <data-dir>/keys} and reused (renewed only once it expired). For development:
 * clients must trust it explicitly, e.g. by its fingerprint.
 */
public final class DevCertificate {
    static final String KEY_FILE = "tls-dev-key.pem";
    static final String CERT_FILE = "tls-dev-cert.pem";
    private static final Duration VALIDITY = Duration.ofDays(365);

    private DevCertificate() {}

    /**
     * The development certificate's files, made first if needed (or if the certificate expired):
     * {@code [certificate, key]}.
     */
    public static Path[] readOrCreate(KeyFiles keyFiles, String host) {
        var certFile = keyFiles.path(CERT_FILE);
        var keyFile = keyFiles.path(KEY_FILE);
        try {
            if (!usable(certFile) || !Files.exists(keyFile)) {
                Files.deleteIfExists(certFile);
                Files.deleteIfExists(keyFile);
            }
            var random = new SecureRandom();
            keyFiles.readOrCreate(KEY_FILE, () -> {
                var pair = generateKey(random);
                keyFiles.readOrCreate(CERT_FILE, () -> pem(certificate(pair, host, random)));
                return pem(pkcs8(pair.getPrivate()));
            });
        } catch (IOException e) {
            throw new InvalidSettings("data-dir", "cannot renew %s (%s)".formatted(certFile, e.getClass().getSimpleName()));
        }
        return new Path[] {certFile, keyFile};
    }

    private static boolean usable(Path certFile) {
        try (var in = Files.newInputStream(certFile)) {
            var certificate = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
            certificate.checkValidity();
            return true;
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            return false;
        }
    }

    private static java.security.KeyPair generateKey(SecureRandom random) {
        try {
            var generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is always available", e);
        }
    }

    private static java.security.cert.X509Certificate certificate(java.security.KeyPair pair, String host, SecureRandom random) {
        var now = Instant.now();
        var subject = new X500Name("CN=Timestore development certificate");
        try {
            var builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(127, random).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names(host).toArray(GeneralName[]::new)));
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the development certificate", e);
        }
    }

    /** localhost, 127.0.0.1, ::1 and the listener's host (a name or an address; not a wildcard). */
    private static Set<GeneralName> names(String host) {
        var names = new LinkedHashSet<GeneralName>();
        names.add(new GeneralName(GeneralName.dNSName, "localhost"));
        names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        names.add(new GeneralName(GeneralName.iPAddress, "::1"));
        try {
            var address = InetAddress.getByName(host);
            if (!address.isAnyLocalAddress()) {
                names.add(host.chars().anyMatch(Character::isLetter) && !host.contains(":")
                        ? new GeneralName(GeneralName.dNSName, host)
                        : new GeneralName(GeneralName.iPAddress, address.getHostAddress()));
            }
        } catch (UnknownHostException e) {
            // The host was resolvable when the settings were read; nothing to add otherwise.
        }
        return names;
    }

    private static Object pkcs8(java.security.PrivateKey key) {
        try {
            return new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null).generate();
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalStateException("cannot encode the development key", e);
        }
    }

    private static String pem(Object object) {
        var text = new StringWriter();
        try (var writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write PEM", e);
        }
        return text.toString().strip();
    }
}
