package io.timestore.audit.tlog;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A signed note (c2sp.org/signed-note) as bytes on the wire: a text ending in a newline, a blank
 * line, then one or more signature lines {@code — <name> <base64>} each ending in a newline. The
 * whole note is valid UTF-8 with no control character but the newline; the text may hold blank
 * lines, the last one separates it from the signatures. A note holds at most 100 signatures (like
 * Go's {@code note.Open}; the spec asks for at least 16).
 *
 * <p>A parsed note is not yet trusted: {@link NoteVerifiers#open} checks its signatures. Immutable
 * and thread-safe.
 *
 * @param text       the signed text, ending in a newline
 * @param signatures the signature lines in order, at least one
 */
public record Note(String text, List<NoteSignature> signatures) {
    static final int MAX_SIGNATURES = 100;

    public Note {
        requireText(text);
        signatures = List.copyOf(signatures);
        if (signatures.isEmpty() || signatures.size() > MAX_SIGNATURES) {
            throw new IllegalArgumentException("a note has 1 to %d signatures (found %d)".formatted(MAX_SIGNATURES, signatures.size()));
        }
    }

    /**
     * Signs {@code text} with each signer, in order (Go's {@code note.Sign} of a new note).
     *
     * @throws IllegalArgumentException if the text does not end in a newline or holds a character
     *                                  a note may not hold, or no signer is given
     */
    public static Note sign(String text, List<NoteSigner> signers) {
        requireText(text);
        return new Note(text, signed(text, List.of(), signers));
    }

    /**
     * This note with more signatures: the existing ones first, except any by the same key (name and
     * key hash) as a new one, then the new ones in order (Go's {@code note.Sign} of an opened note).
     *
     * @throws IllegalArgumentException if no signer is given
     */
    public Note addSignatures(List<NoteSigner> signers) {
        return new Note(text, signed(text, signatures, signers));
    }

    private static List<NoteSignature> signed(String text, List<NoteSignature> existing, List<NoteSigner> signers) {
        if (signers.isEmpty()) {
            throw new IllegalArgumentException("signing needs at least one signer");
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Set<String> replaced = new HashSet<>();
        List<NoteSignature> added = new ArrayList<>();
        for (NoteSigner signer : signers) {
            replaced.add(signer.name() + "+" + NoteNames.hex(signer.keyHash()));
            added.add(signer.sign(bytes));
        }
        List<NoteSignature> all = new ArrayList<>();
        for (NoteSignature signature : existing) {
            if (!replaced.contains(signature.name() + "+" + NoteNames.hex(signature.keyHash()))) {
                all.add(signature);
            }
        }
        all.addAll(added);
        return all;
    }

    /**
     * Parses the bytes of a signed note without checking any signature.
     *
     * @throws InvalidNote {@link InvalidNote.Reason#MALFORMED_NOTE} saying what is wrong
     */
    public static Note parse(byte[] message) {
        String all = decodeUtf8(Objects.requireNonNull(message, "message"));
        for (int i = 0; i < all.length(); i++) {
            char c = all.charAt(i);
            if (c < 0x20 && c != '\n') {
                throw malformed("a note may not hold control character U+%04X".formatted((int) c));
            }
        }
        int split = all.lastIndexOf("\n\n");
        if (split < 0) {
            throw malformed("a note needs a blank line before its signatures");
        }
        String text = all.substring(0, split + 1);
        String block = all.substring(split + 2);
        if (block.isEmpty() || !block.endsWith("\n")) {
            throw malformed("a note's signature lines each end in a newline, and there is at least one");
        }
        List<NoteSignature> signatures = new ArrayList<>();
        for (String line : block.substring(0, block.length() - 1).split("\n", -1)) {
            if (signatures.size() == MAX_SIGNATURES) {
                throw malformed("a note holds at most " + MAX_SIGNATURES + " signatures");
            }
            signatures.add(parseLine(line));
        }
        return new Note(text, signatures);
    }

    private static NoteSignature parseLine(String line) {
        if (!line.startsWith(NoteSignature.PREFIX)) {
            throw malformed("a signature line starts with an em dash (U+2014) and a space");
        }
        String rest = line.substring(NoteSignature.PREFIX.length());
        int space = rest.indexOf(' ');
        String name = space < 0 ? rest : rest.substring(0, space);
        String base64 = space < 0 ? "" : rest.substring(space + 1);
        if (!NoteNames.isValid(name)) {
            throw malformed("a signature line's key name is non-empty, without spaces or '+'");
        }
        byte[] raw;
        try {
            raw = StrictBase64.decode(base64, "signature");
        } catch (IllegalArgumentException e) {
            throw malformed("the signature of " + name + " is not canonical base64");
        }
        if (raw.length < 5) {
            throw malformed("the signature of " + name + " holds no signature after its key hash");
        }
        return new NoteSignature(name, ByteBuffer.wrap(raw).getInt(), base64);
    }

    /** The note as it goes on the wire. */
    public byte[] encode() {
        return toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The note's text form (what {@link #encode} encodes as UTF-8). */
    @Override
    public String toString() {
        StringBuilder note = new StringBuilder(text).append('\n');
        signatures.forEach(s -> note.append(s.line()));
        return note.toString();
    }

    private static void requireText(String text) {
        Objects.requireNonNull(text, "text");
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("a note text ends in a newline");
        }
        if (text.chars().anyMatch(c -> c < 0x20 && c != '\n')) {
            throw new IllegalArgumentException("a note text holds no control character but the newline");
        }
        if (!StandardCharsets.UTF_8.newEncoder().canEncode(text)) {
            throw new IllegalArgumentException("a note text is valid Unicode (found a lone surrogate)");
        }
    }

    private static String decodeUtf8(byte[] message) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(message))
                    .toString();
        } catch (CharacterCodingException e) {
            throw malformed("a note is valid UTF-8");
        }
    }

    private static InvalidNote malformed(String detail) {
        return new InvalidNote(InvalidNote.Reason.MALFORMED_NOTE, "malformed note: " + detail);
    }
}
