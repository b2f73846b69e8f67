package io.timestore.audit.tlog;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A node of a log's Merkle tree: exactly 32 bytes (SHA-256). Written as standard, padded base64 in
 * checkpoints, proofs and receipts (as C2SP {@code tlog-checkpoint} does). Immutable and thread-safe;
 * equality is by content.
 */
public final class TreeHash {
    public static final int LENGTH = 32;

    private final byte[] bytes;

    private TreeHash(byte[] owned) {
        this.bytes = owned;
    }

    /** @throws IllegalArgumentException unless {@code bytes} has exactly 32 bytes */
    public static TreeHash of(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a tree hash has 32 bytes (found " + bytes.length + ")");
        }
        return new TreeHash(bytes.clone());
    }

    /**
     * Reads the canonical base64 form: standard alphabet, padded, no whitespace.
     *
     * @throws IllegalArgumentException if {@code base64} is not that form of 32 bytes
     */
    public static TreeHash fromBase64(String base64) {
        return of(StrictBase64.decode(base64, "tree hash"));
    }

    /** Wraps a digest output the caller no longer uses. */
    static TreeHash wrap(byte[] owned) {
        if (owned.length != LENGTH) {
            throw new IllegalArgumentException("a tree hash has 32 bytes (found " + owned.length + ")");
        }
        return new TreeHash(owned);
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public String base64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** Copies the 32 bytes into {@code target} from {@code offset} on. */
    void copyTo(byte[] target, int offset) {
        System.arraycopy(bytes, 0, target, offset, LENGTH);
    }

    void updateDigest(MessageDigest digest) {
        digest.update(bytes);
    }

    /** Whether {@code other} holds exactly these bytes (any length is accepted, and then differs). */
    boolean matches(byte[] other) {
        return MessageDigest.isEqual(bytes, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TreeHash other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return base64();
    }
}
