package io.timestore.audit.tlog;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Signs note texts with one named Ed25519 key (c2sp.org/signed-note). Holds a private key: its
 * {@link #toString} shows only the public verifier key. The secret text form,
 * {@code PRIVATE+KEY+<name>+<hex key hash>+<base64(0x01 || 32-byte seed)>}, is the one Go's
 * {@code golang.org/x/mod/sumdb/note} reads and writes. Immutable and thread-safe.
 */
public final class NoteSigner {
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{8}");
    private static final String SECRET_PREFIX = "PRIVATE+KEY+";

    private final NoteVerifierKey verifierKey;
    private final PrivateKey privateKey;

    private NoteSigner(String name, KeyPair pair) {
        this.verifierKey = NoteVerifierKey.of(name, pair.getPublic());
        this.privateKey = pair.getPrivate();
    }

    /**
     * A signer for {@code name} with an existing Ed25519 key pair (for example the audit checkpoint
     * key of {@code io.timestore.audit.checkpoint.CheckpointKeys}).
     *
     * @throws IllegalArgumentException if the name is invalid or the private key is not the public
     *                                  key's
     */
    public static NoteSigner of(String name, KeyPair pair) {
        Objects.requireNonNull(pair, "pair");
        NoteSigner signer = new NoteSigner(name, pair);
        byte[] probe = "note signer key pair check\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (!signer.verifierKey.verifies(probe, Ed25519.sign(pair.getPrivate(), probe))) {
            throw new IllegalArgumentException("the private key does not belong to the public key");
        }
        return signer;
    }

    /** A new random key named {@code name}. */
    public static NoteSigner generate(String name, SecureRandom random) {
        byte[] seed = new byte[Ed25519.KEY_LENGTH];
        Objects.requireNonNull(random, "random").nextBytes(seed);
        return new NoteSigner(name, Ed25519.fromSeed(seed));
    }

    /**
     * Reads the secret signer key form, checking that its key hash matches the derived public key.
     *
     * @throws IllegalArgumentException saying which part is wrong, never quoting the key
     */
    public static NoteSigner parse(String skey) {
        Objects.requireNonNull(skey, "skey");
        String[] parts = skey.startsWith(SECRET_PREFIX) ? skey.substring(SECRET_PREFIX.length()).split("\\+", 3) : new String[0];
        if (parts.length != 3 || !NoteNames.isValid(parts[0]) || !HASH.matcher(parts[1]).matches()) {
            throw new IllegalArgumentException("a note signer key is PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>");
        }
        byte[] typed;
        try {
            typed = StrictBase64.decode(parts[2], "the signer key's key");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the signer key's key is not canonical base64");
        }
        if (typed.length != 1 + Ed25519.KEY_LENGTH || typed[0] != NoteNames.ED25519) {
            throw new IllegalArgumentException("the signer key is not an Ed25519 seed (type byte 0x01 and 32 bytes)");
        }
        byte[] seed = Arrays.copyOfRange(typed, 1, typed.length);
        NoteSigner signer = new NoteSigner(parts[0], Ed25519.fromSeed(seed));
        Arrays.fill(seed, (byte) 0);
        Arrays.fill(typed, (byte) 0);
        if (!NoteNames.hex(signer.keyHash()).equals(parts[1])) {
            throw new IllegalArgumentException("the signer key's hash does not match its name and key");
        }
        return signer;
    }

    public String name() {
        return verifierKey.name();
    }

    public int keyHash() {
        return verifierKey.keyHash();
    }

    /** The public key to hand to verifiers. */
    public NoteVerifierKey verifierKey() {
        return verifierKey;
    }

    /** The secret signer key text. Handle as a secret: never log it. */
    public String encodeSecret() {
        byte[] typed = NoteVerifierKey.typedKey(Ed25519.seed(privateKey));
        try {
            return SECRET_PREFIX + name() + "+" + NoteNames.hex(keyHash()) + "+" + Base64.getEncoder().encodeToString(typed);
        } finally {
            Arrays.fill(typed, (byte) 0);
        }
    }

    /** The signature line of {@code text} (a note text, ending in a newline) by this key. */
    NoteSignature sign(byte[] text) {
        byte[] signature = Ed25519.sign(privateKey, text);
        return NoteSignature.of(name(), keyHash(), signature);
    }

    @Override
    public String toString() {
        return "NoteSigner[" + verifierKey.encode() + "]";
    }
}
