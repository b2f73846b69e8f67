package io.timestore.audit;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A SHA-256 value in a tenant's hash chain: 32 bytes, written as 64 lower-case hex digits in JSON.
 * Immutable and thread-safe.
 */
public final class ChainHash {
    public static final int LENGTH = 32;
    private static final HexFormat HEX = HexFormat.of();

    /** The {@code prev_hash} of a chain's first event: 32 zero bytes. */
    public static final ChainHash GENESIS = new ChainHash(new byte[LENGTH]);

    private final byte[] bytes;

    private ChainHash(byte[] owned) {
        this.bytes = owned;
    }

    /** @throws IllegalArgumentException unless {@code bytes} has exactly 32 bytes */
    public static ChainHash of(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a chain hash has 32 bytes (found " + bytes.length + ")");
        }
        return new ChainHash(bytes.clone());
    }

    /** @throws IllegalArgumentException unless {@code hex} is 64 lower-case hex digits */
    public static ChainHash parse(String hex) {
        Objects.requireNonNull(hex, "hex");
        if (hex.length() != LENGTH * 2 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("a chain hash is 64 lower-case hex digits (found \"" + hex + "\")");
        }
        return new ChainHash(HEX.parseHex(hex));
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public String hex() {
        return HEX.formatHex(bytes);
    }

    /** Feeds the bytes to a digest without copying them. */
    public void updateDigest(MessageDigest digest) {
        digest.update(bytes);
    }

    /** Constant-time comparison with the first 32 bytes of {@code other}, without copying. */
    public boolean matches(byte[] other) {
        return MessageDigest.isEqual(bytes, other.length == LENGTH ? other : Arrays.copyOf(other, LENGTH));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChainHash h && Arrays.equals(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
