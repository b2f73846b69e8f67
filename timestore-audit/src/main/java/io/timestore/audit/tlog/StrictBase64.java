package io.timestore.audit.tlog;

import java.util.Base64;

/**
 * Standard base64 (RFC 4648 §4) read strictly: padded, no whitespace, no line breaks, and the one
 * encoding of its bytes (unused trailing bits zero). The JDK decoder alone would accept missing
 * padding; a verifier that accepts several spellings of one value invites ambiguity.
 */
final class StrictBase64 {
    private StrictBase64() {}

    /** @throws IllegalArgumentException naming {@code what} if {@code text} is not canonical base64 */
    static byte[] decode(String text, String what) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not standard base64");
        }
        if (!Base64.getEncoder().encodeToString(bytes).equals(text)) {
            throw new IllegalArgumentException(what + " is not canonical padded base64");
        }
        return bytes;
    }
}
