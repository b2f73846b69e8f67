package io.timestore.server.config;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server's root secret (at least 32 bytes). Nothing uses it directly: each purpose derives
 * its own key with HMAC-SHA256(master, purpose), so a key for one purpose reveals nothing about
 * another. {@link #toString()} never shows it.
 */
public final class MasterKey {
    private final byte[] key;

    public MasterKey(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("the master key must be at least 32 bytes");
        }
        this.key = key.clone();
    }

    /** A 32-byte key for {@code purpose}, e.g. {@code "api-token-pepper"}. */
    public byte[] derive(String purpose) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(("timestore/" + purpose).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    /**
     * The key's id, {@code mk_} and 16 hex digits of HMAC-SHA256(key, "timestore/key-id"): the same
     * key always has the same id, and the id reveals nothing about the key. Stored in front of every
     * ciphertext the key sealed (docs/security.md "Key rotation").
     */
    public String id() {
        return "mk_" + java.util.HexFormat.of().formatHex(derive("key-id"), 0, 8);
    }

    /** The key as base64, for the master-key file only: never log it. */
    public String toBase64() {
        return java.util.Base64.getEncoder().encodeToString(key);
    }

    @Override
    public String toString() {
        return "MasterKey[****]";
    }
}
