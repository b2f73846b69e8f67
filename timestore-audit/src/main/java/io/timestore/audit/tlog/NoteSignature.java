package io.timestore.audit.tlog;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * One signature line of a signed note, {@code — <name> <base64(key hash || signature)>}, verified or
 * not. Like Go's {@code note.Signature}, it keeps the base64 text as it appeared.
 *
 * @param name    the key name
 * @param keyHash the key hash, the first four bytes of the decoded signature, big-endian
 * @param base64  {@code base64(key hash || signature)}: canonical, at least 5 bytes decoded
 */
public record NoteSignature(String name, int keyHash, String base64) {
    /** The em dash and space that start a signature line. */
    static final String PREFIX = "\u2014 ";

    public NoteSignature {
        NoteNames.require(name);
        byte[] raw = StrictBase64.decode(Objects.requireNonNull(base64, "base64"), "a note signature");
        if (raw.length < 5) {
            throw new IllegalArgumentException("a note signature holds a key hash and at least one byte (found " + raw.length + " bytes)");
        }
        if (ByteBuffer.wrap(raw).getInt() != keyHash) {
            throw new IllegalArgumentException("the signature's first four bytes are not its key hash " + NoteNames.hex(keyHash));
        }
    }

    static NoteSignature of(String name, int keyHash, byte[] signature) {
        byte[] raw = ByteBuffer.allocate(4 + signature.length).putInt(keyHash).put(signature).array();
        return new NoteSignature(name, keyHash, Base64.getEncoder().encodeToString(raw));
    }

    /** The signature bytes after the key hash. */
    public byte[] signature() {
        byte[] raw = Base64.getDecoder().decode(base64);
        return Arrays.copyOfRange(raw, 4, raw.length);
    }

    /** The line as it appears in a note, with its final newline. */
    public String line() {
        return PREFIX + name + " " + base64 + "\n";
    }
}
