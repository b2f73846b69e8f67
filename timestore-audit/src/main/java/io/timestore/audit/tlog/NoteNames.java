package io.timestore.audit.tlog;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The name and key-hash rules of c2sp.org/signed-note, shared by keys and signatures. */
final class NoteNames {
    /** Signature type of plain Ed25519 note signatures. */
    static final byte ED25519 = 0x01;

    private NoteNames() {}

    /**
     * Key names are non-empty and hold no Unicode space (Go's {@code unicode.IsSpace}: tab to carriage
     * return, U+0085, and the separators of category Z) and no plus sign; nor, since a note may not
     * contain them, control characters.
     */
    static boolean isValid(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        // Control characters and lone surrogates could not appear in a well-formed note either.
        return name.codePoints().noneMatch(c -> c == '+' || c < 0x20 || c == 0x85 || Character.isSpaceChar(c)
                || (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE));
    }

    static String require(String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException("a note key name is non-empty, without spaces or '+' (found \"" + name + "\")");
        }
        return name;
    }

    /** {@code SHA-256(name || 0x0A || type || public key)[:4]} as a big-endian int. */
    static int keyHash(String name, byte[] typedKey) {
        MessageDigest sha256 = Rfc6962.sha256();
        sha256.update(name.getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) '\n');
        sha256.update(typedKey);
        return ByteBuffer.wrap(sha256.digest()).getInt();
    }

    static String hex(int keyHash) {
        return "%08x".formatted(keyHash);
    }
}
