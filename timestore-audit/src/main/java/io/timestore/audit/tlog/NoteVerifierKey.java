package io.timestore.audit.tlog;

import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A note verifier key (c2sp.org/signed-note, "vkey"): a key name, the 32-bit key hash, and an
 * Ed25519 public key, written {@code <name>+<8 lower-case hex digits>+<base64(0x01 || key)>}, for
 * example {@code PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW}. The key hash is
 * {@code SHA-256(name || "\n" || 0x01 || key)[:4]}. Timestore names each tenant's key after that
 * tenant's log origin, so the key string alone says which log it vouches for. Immutable and
 * thread-safe; equal when name and key are equal.
 */
public final class NoteVerifierKey {
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{8}");

    private final String name;
    private final int keyHash;
    private final byte[] rawKey;
    private final PublicKey publicKey;

    private NoteVerifierKey(String name, byte[] rawKey) {
        this.name = NoteNames.require(name);
        this.rawKey = rawKey.clone();
        this.publicKey = Ed25519.publicKey(this.rawKey);
        this.keyHash = NoteNames.keyHash(name, typedKey(this.rawKey));
    }

    /**
     * The verifier key of an Ed25519 public key under {@code name}.
     *
     * @throws IllegalArgumentException if the name is not a valid key name or the key not Ed25519
     */
    public static NoteVerifierKey of(String name, PublicKey key) {
        return new NoteVerifierKey(name, Ed25519.raw(Objects.requireNonNull(key, "key")));
    }

    /**
     * Parses a verifier key string, as strictly as Go's {@code note.NewVerifier} (and stricter:
     * lower-case hex and canonical base64 only).
     *
     * @throws IllegalArgumentException saying which part is wrong (the string holds no secret)
     */
    public static NoteVerifierKey parse(String vkey) {
        Objects.requireNonNull(vkey, "vkey");
        String[] parts = vkey.split("\\+", 3);
        if (parts.length != 3 || !NoteNames.isValid(parts[0]) || !HASH.matcher(parts[1]).matches()) {
            throw new IllegalArgumentException("a note verifier key is <name>+<8 hex digits>+<base64 key>");
        }
        byte[] typed = StrictBase64.decode(parts[2], "the verifier key's key");
        if (typed.length == 0 || typed[0] != NoteNames.ED25519) {
            throw new IllegalArgumentException("the verifier key's algorithm is not Ed25519 (type byte 0x01)");
        }
        if (typed.length != 1 + Ed25519.KEY_LENGTH) {
            throw new IllegalArgumentException("an Ed25519 verifier key holds 32 key bytes (found " + (typed.length - 1) + ")");
        }
        NoteVerifierKey key = new NoteVerifierKey(parts[0], Arrays.copyOfRange(typed, 1, typed.length));
        if (!NoteNames.hex(key.keyHash).equals(parts[1])) {
            throw new IllegalArgumentException("the verifier key's hash %s does not match its name and key (%s)"
                    .formatted(parts[1], NoteNames.hex(key.keyHash)));
        }
        return key;
    }

    public String name() {
        return name;
    }

    public int keyHash() {
        return keyHash;
    }

    /** The Ed25519 public key. */
    public PublicKey publicKey() {
        return publicKey;
    }

    /** The verifier key string. */
    public String encode() {
        return name + "+" + NoteNames.hex(keyHash) + "+" + Base64.getEncoder().encodeToString(typedKey(rawKey));
    }

    /** Whether {@code signature} (without the key hash) is this key's signature of {@code text}. */
    boolean verifies(byte[] text, byte[] signature) {
        return Ed25519.verify(publicKey, text, signature);
    }

    static byte[] typedKey(byte[] rawKey) {
        byte[] typed = new byte[1 + rawKey.length];
        typed[0] = NoteNames.ED25519;
        System.arraycopy(rawKey, 0, typed, 1, rawKey.length);
        return typed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NoteVerifierKey other && name.equals(other.name) && Arrays.equals(rawKey, other.rawKey);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(rawKey);
    }

    @Override
    public String toString() {
        return encode();
    }
}
