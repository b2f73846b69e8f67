package io.timestore.server.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for secrets at rest, under a key derived from a master key for one
 * {@link SecretTable}. New secrets are sealed with the active master key as
 * {@code 2 || id length(1) || master key id || nonce(12) || ciphertext+tag}; the associated data
 * is that header and the row (table, tenant, id), so neither the key id nor the row can be changed
 * without the tag failing. Secrets stored before key ids existed ({@code 1 || nonce || ciphertext+tag},
 * the row as associated data) open with the ring's legacy key. Thread-safe; picks up a rotated ring
 * on the next call.
 */
public final class SecretBox {
    static final byte LEGACY = 1;
    static final byte KEYED = 2;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private final Supplier<MasterKeyRing> keys;
    private final SecretTable table;
    private final SecureRandom random;

    public SecretBox(Supplier<MasterKeyRing> keys, SecretTable table, SecureRandom random) {
        this.keys = keys;
        this.table = table;
        this.random = random;
    }

    /** Seals {@code plaintext} for the row ({@code tenant}, {@code id}) with the active master key. */
    public byte[] seal(byte[] plaintext, String tenant, String id) {
        var ring = keys.get();
        var keyId = ring.activeId().getBytes(StandardCharsets.US_ASCII);
        var header = ByteBuffer.allocate(2 + keyId.length).put(KEYED).put((byte) keyId.length).put(keyId).array();
        var nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            var cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, aesKey(ring.active().derive(table.purpose())), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(header);
            cipher.updateAAD(table.associatedData(tenant, id).getBytes(StandardCharsets.UTF_8));
            var sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(header.length + NONCE_BYTES + sealed.length).put(header).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required of every JDK", e);
        }
    }

    /**
     * Opens a stored secret of the row ({@code tenant}, {@code id}).
     *
     * @throws IllegalStateException when it is malformed, sealed with a master key this server does
     *                               not hold (retired, or not yet deployed here), moved or altered
     */
    public byte[] open(byte[] stored, String tenant, String id) {
        var ring = keys.get();
        var keyId = keyId(stored, ring.legacyId());
        var key = ring.key(keyId).orElseThrow(() -> new IllegalStateException(
                "a stored secret is sealed with master key %s, which this server does not hold (keys: %s)".formatted(keyId, ring.ids())));
        int headerLength = stored[0] == LEGACY ? 1 : 2 + stored[1];
        if (stored.length < headerLength + NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalStateException("a stored secret has an unknown format");
        }
        try {
            var cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, aesKey(key.derive(table.purpose())), new GCMParameterSpec(TAG_BITS, stored, headerLength, NONCE_BYTES));
            if (stored[0] == KEYED) {
                cipher.updateAAD(stored, 0, headerLength);
            }
            cipher.updateAAD(table.associatedData(tenant, id).getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(stored, headerLength + NONCE_BYTES, stored.length - headerLength - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            // Wrong master key, or a ciphertext moved or altered: never usable as a credential.
            throw new IllegalStateException("a stored secret does not decrypt with master key " + keyId, e);
        }
    }

    /** Opens a stored secret and seals it again with the active master key. */
    public byte[] reseal(byte[] stored, String tenant, String id) {
        var plaintext = open(stored, tenant, id);
        try {
            return seal(plaintext, tenant, id);
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    /**
     * The id of the master key that sealed {@code stored}; {@code legacyId} for a secret stored
     * before key ids existed.
     *
     * @throws IllegalStateException when {@code stored} is in no known format
     */
    public static String keyId(byte[] stored, String legacyId) {
        if (stored.length > 0 && stored[0] == LEGACY) {
            return legacyId;
        }
        if (stored.length > 2 && stored[0] == KEYED && stored.length > 2 + stored[1] && stored[1] > 0) {
            return new String(stored, 2, stored[1], StandardCharsets.US_ASCII);
        }
        throw new IllegalStateException("a stored secret has an unknown format");
    }

    private static SecretKeySpec aesKey(byte[] derived) {
        return new SecretKeySpec(derived, "AES");
    }
}
