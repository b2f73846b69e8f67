package io.timestore.audit.checkpoint;

import io.timestore.audit.EventIds;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Ed25519 checkpoint keys and their text forms, with the JDK's own provider (no extra dependency).
 * <ul>
 *   <li>public key: X.509 SubjectPublicKeyInfo DER, standard base64 (what {@code openssl pkey
 *       -pubin -inform DER} reads; the DER is {@code 302a300506032b6570032100} followed by the raw
 *       32-byte key);</li>
 *   <li>private key: PKCS#8 DER, standard base64;</li>
 *   <li>key id: the first 16 hex digits of SHA-256 over the public key's DER.</li>
 * </ul>
 * The key file of the data directory is a small {@code name=value} text (see {@link #toFileText}).
 * Thread-safe (stateless).
 */
public final class CheckpointKeys {
    static final String ALGORITHM = "Ed25519";
    private static final byte[] PAIR_CHECK = "ts-audit key pair check".getBytes(StandardCharsets.US_ASCII);

    private CheckpointKeys() {}

    public static KeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(ALGORITHM);
            generator.initialize(255, Objects.requireNonNull(random, "random"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK provides Ed25519 since Java 15", e);
        }
    }

    /** First 16 hex digits of SHA-256 over the X.509 (SubjectPublicKeyInfo) DER of {@code key}. */
    public static String keyId(PublicKey key) {
        requireEd25519(key);
        return HexFormat.of().formatHex(EventIds.sha256().digest(key.getEncoded())).substring(0, 16);
    }

    public static String encodePublic(PublicKey key) {
        requireEd25519(key);
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    public static String encodePrivate(PrivateKey key) {
        requireEd25519(key);
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /** @throws IllegalArgumentException if {@code base64} is not an Ed25519 X.509 public key */
    public static PublicKey decodePublic(String base64) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64.strip())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a base64 X.509 Ed25519 public key", e);
        }
    }

    /** @throws IllegalArgumentException if {@code base64} is not an Ed25519 PKCS#8 private key */
    public static PrivateKey decodePrivate(String base64) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64.strip())));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // No detail from the cause: it could echo key material.
            throw new IllegalArgumentException("not a base64 PKCS#8 Ed25519 private key");
        }
    }

    /**
     * The key file text: comment lines, then {@code key_id=}, {@code public_key=} (X.509 base64)
     * and {@code private_key=} (PKCS#8 base64). The file holds a secret: the server writes it with
     * owner-only permissions, outside anything the database role can read.
     */
    public static String toFileText(KeyPair pair) {
        return """
                # Timestore audit checkpoint signing key (Ed25519). Secret: owner-readable only.
                key_id=%s
                public_key=%s
                private_key=%s
                """.formatted(keyId(pair.getPublic()), encodePublic(pair.getPublic()), encodePrivate(pair.getPrivate()));
    }

    /**
     * Reads {@link #toFileText} output and checks it: both keys present, the private key signs what
     * the public key verifies, and {@code key_id} (when present) matches.
     *
     * @throws IllegalArgumentException naming what is wrong (never the key material)
     */
    public static KeyPair fromFileText(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(line -> {
            int eq = line.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("key file lines are name=value (found a line without =)");
            }
            values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        });
        String pub = values.get("public_key");
        String priv = values.get("private_key");
        if (pub == null || priv == null) {
            throw new IllegalArgumentException("key file needs public_key and private_key");
        }
        KeyPair pair = new KeyPair(decodePublic(pub), decodePrivate(priv));
        if (!matches(pair)) {
            throw new IllegalArgumentException("key file's private_key does not belong to its public_key");
        }
        String id = values.get("key_id");
        if (id != null && !id.equals(keyId(pair.getPublic()))) {
            throw new IllegalArgumentException("key file's key_id %s does not match its public key (%s)".formatted(id, keyId(pair.getPublic())));
        }
        return pair;
    }

    static boolean matches(KeyPair pair) {
        try {
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(pair.getPrivate());
            signer.update(PAIR_CHECK);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(pair.getPublic());
            verifier.update(PAIR_CHECK);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static void requireEd25519(java.security.Key key) {
        Objects.requireNonNull(key, "key");
        if (!"Ed25519".equals(key.getAlgorithm()) && !"EdDSA".equals(key.getAlgorithm())) {
            throw new IllegalArgumentException("checkpoint keys are Ed25519 (found " + key.getAlgorithm() + ")");
        }
    }
}
