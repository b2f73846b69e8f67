package io.timestore.server.tls;

import io.timestore.server.config.InvalidSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The listener's certificate chain (leaf first) and the leaf's private key, read from PEM files
 * and checked to belong together.
 *
 * <p>Keys are RSA or EC, in PKCS#8 ({@code PRIVATE KEY}) or their traditional forms
 * ({@code RSA PRIVATE KEY}, PKCS#1; {@code EC PRIVATE KEY}, SEC1). Encrypted keys are refused:
 * the key file is protected by file permissions, as a web server's is.
 */
public record ServerCertificate(List<X509Certificate> chain, PrivateKey key) {
    static final String CERT_SETTING = "server.tls.cert-file";
    static final String KEY_SETTING = "server.tls.key-file";
    /** Protects the key inside the in-memory key store only; never written anywhere. */
    static final String STORE_PASSWORD = "timestore-in-memory";

    public ServerCertificate {
        chain = List.copyOf(chain);
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain holds at least the leaf");
        }
    }

    /**
     * Reads and checks a certificate and key.
     *
     * @throws InvalidSettings naming {@code server.tls.cert-file} or {@code server.tls.key-file}
     *                         when a file cannot be read or parsed, the key is neither RSA nor EC,
     *                         or the key does not belong to the certificate
     */
    public static ServerCertificate load(Path certFile, Path keyFile) {
        var chain = certificates(certFile);
        var key = privateKey(keyFile);
        if (!matches(key, chain.getFirst())) {
            throw new InvalidSettings(KEY_SETTING, "the key in %s does not belong to the certificate in %s"
                    .formatted(keyFile, certFile));
        }
        return new ServerCertificate(chain, key);
    }

    /** The leaf certificate. */
    public X509Certificate leaf() {
        return chain.getFirst();
    }

    /** SHA-256 of the leaf's DER encoding, as colon-separated upper-case hex (what browsers and openssl show). */
    public String fingerprint() {
        try {
            var digest = MessageDigest.getInstance("SHA-256").digest(leaf().getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** An in-memory key store holding the key and its chain, for Jetty. */
    public KeyStore keyStore() {
        try {
            var store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("timestore", key, STORE_PASSWORD.toCharArray(), chain.toArray(X509Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build an in-memory key store", e);
        }
    }

    private static List<X509Certificate> certificates(Path file) {
        try (var in = Files.newInputStream(file)) {
            var found = new ArrayList<X509Certificate>();
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                found.add((X509Certificate) certificate);
            }
            if (found.isEmpty()) {
                throw new InvalidSettings(CERT_SETTING, "%s holds no PEM certificate".formatted(file));
            }
            return found;
        } catch (IOException e) {
            throw new InvalidSettings(CERT_SETTING, "cannot read %s (%s)".formatted(file, e.getClass().getSimpleName()));
        } catch (CertificateException | ClassCastException e) {
            throw new InvalidSettings(CERT_SETTING, "%s does not hold PEM X.509 certificates".formatted(file));
        }
    }

    private static PrivateKey privateKey(Path file) {
        Object parsed;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); var pem = new PEMParser(reader)) {
            // `openssl ecparam -genkey` writes an EC PARAMETERS block before the key: skip such blocks.
            do {
                parsed = pem.readObject();
            } while (parsed != null && !(parsed instanceof PEMKeyPair) && !(parsed instanceof PrivateKeyInfo)
                    && (parsed instanceof org.bouncycastle.asn1.ASN1ObjectIdentifier || parsed instanceof org.bouncycastle.asn1.x9.X9ECParameters));
        } catch (IOException e) {
            throw new InvalidSettings(KEY_SETTING, "cannot read %s (%s)".formatted(file, e.getClass().getSimpleName()));
        }
        var converter = new JcaPEMKeyConverter();
        PrivateKey key;
        try {
            key = switch (parsed) {
                case PEMKeyPair pair -> converter.getPrivateKey(pair.getPrivateKeyInfo());
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case null -> throw new InvalidSettings(KEY_SETTING, "%s holds no PEM private key".formatted(file));
                default -> throw new InvalidSettings(KEY_SETTING, "%s holds no unencrypted PEM private key (found %s)"
                        .formatted(file, parsed.getClass().getSimpleName()));
            };
        } catch (PEMException e) {
            throw new InvalidSettings(KEY_SETTING, "%s holds a private key of an unsupported kind".formatted(file));
        }
        if (!(key instanceof RSAPrivateKey) && !(key instanceof ECPrivateKey)) {
            throw new InvalidSettings(KEY_SETTING, "%s holds a %s key; RSA and EC keys are supported".formatted(file, key.getAlgorithm()));
        }
        return key;
    }

    /** Whether {@code key} signs what the certificate's public key verifies. */
    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        var algorithm = key instanceof RSAPrivateKey ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            var challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            var signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            var signature = signer.sign();
            var verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an EC key against an RSA certificate
        }
    }
}
