package io.timestore.audit.tlog;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A transparency-log checkpoint (c2sp.org/tlog-checkpoint): the text a log signs as a note to commit
 * to its tree at one size.
 * <pre>
 *   &lt;origin&gt;\n
 *   &lt;tree size, decimal, no leading zeros&gt;\n
 *   &lt;root hash, base64&gt;\n
 *   [&lt;extension line&gt;\n ...]
 * </pre>
 * Every line is non-empty. Timestore's origin is {@code <log name>/<tenant>}, and the key that signs
 * it is named after the origin, as the spec recommends. Immutable and thread-safe.
 *
 * @param origin     the log's identity: non-empty, no newline or other control character
 * @param size       the number of leaves, {@code >= 0}
 * @param rootHash   the RFC 6962 root of the tree of {@code size} leaves
 * @param extensions optional further lines (not recommended: monitors cannot audit them)
 */
public record TreeCheckpoint(String origin, long size, TreeHash rootHash, List<String> extensions) {
    private static final Pattern SIZE = Pattern.compile("0|[1-9][0-9]{0,18}");

    public TreeCheckpoint {
        requireLine(origin, "origin");
        if (size < 0) {
            throw new IllegalArgumentException("a tree size is non-negative (found " + size + ")");
        }
        Objects.requireNonNull(rootHash, "rootHash");
        extensions = List.copyOf(extensions);
        extensions.forEach(line -> requireLine(line, "extension line"));
    }

    public TreeCheckpoint(String origin, long size, TreeHash rootHash) {
        this(origin, size, rootHash, List.of());
    }

    /** The note text: the lines above, each ending in a newline. */
    public String text() {
        StringBuilder text = new StringBuilder()
                .append(origin).append('\n')
                .append(size).append('\n')
                .append(rootHash.base64()).append('\n');
        extensions.forEach(line -> text.append(line).append('\n'));
        return text.toString();
    }

    /**
     * Parses a checkpoint text strictly: only the form {@link #text} writes is accepted.
     *
     * @throws InvalidNote {@link InvalidNote.Reason#MALFORMED_CHECKPOINT} saying which line is wrong
     */
    public static TreeCheckpoint parse(String text) {
        Objects.requireNonNull(text, "text");
        if (!text.endsWith("\n")) {
            throw malformed("a checkpoint's lines each end in a newline");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (lines.length < 3) {
            throw malformed("a checkpoint has at least three lines (found " + lines.length + ")");
        }
        if (!SIZE.matcher(lines[1]).matches()) {
            throw malformed("the tree size is a decimal number without leading zeros");
        }
        long size;
        try {
            size = Long.parseLong(lines[1]);
        } catch (NumberFormatException e) {
            throw malformed("the tree size is at most " + Long.MAX_VALUE);
        }
        TreeHash root;
        try {
            root = TreeHash.fromBase64(lines[2]);
        } catch (IllegalArgumentException e) {
            throw malformed("the root hash is the canonical base64 of 32 bytes");
        }
        List<String> extensions = new ArrayList<>(List.of(lines).subList(3, lines.length));
        try {
            return new TreeCheckpoint(lines[0], size, root, extensions);
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
    }

    /** This checkpoint signed as a note by {@code signers} (c2sp.org/signed-note). */
    public Note sign(List<NoteSigner> signers) {
        return Note.sign(text(), signers);
    }

    /**
     * Opens a signed checkpoint of the log {@code origin}: the note must carry a valid signature by a
     * key of {@code verifiers} (see {@link NoteVerifiers#open}), its text must be a well-formed
     * checkpoint, and its origin must be {@code origin} exactly, so a checkpoint of another log
     * signed by a shared key is not taken for this log's.
     *
     * @throws InvalidNote with the reason it must not be trusted
     */
    public static TreeCheckpoint open(byte[] signedNote, NoteVerifiers verifiers, String origin) {
        Objects.requireNonNull(origin, "origin");
        VerifiedNote note = verifiers.open(signedNote);
        TreeCheckpoint checkpoint = parse(note.text());
        if (!checkpoint.origin().equals(origin)) {
            throw new InvalidNote(InvalidNote.Reason.WRONG_ORIGIN,
                    "the checkpoint is of log \"%s\", not \"%s\"".formatted(checkpoint.origin(), origin));
        }
        return checkpoint;
    }

    /** {@link #open(byte[], NoteVerifiers, String)} of a note's text form. */
    public static TreeCheckpoint open(String signedNote, NoteVerifiers verifiers, String origin) {
        return open(signedNote.getBytes(StandardCharsets.UTF_8), verifiers, origin);
    }

    private static void requireLine(String line, String what) {
        Objects.requireNonNull(line, what);
        if (line.isEmpty() || line.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("a checkpoint's " + what + " is a non-empty line without control characters");
        }
    }

    private static InvalidNote malformed(String detail) {
        return new InvalidNote(InvalidNote.Reason.MALFORMED_CHECKPOINT, "malformed checkpoint: " + detail);
    }
}
