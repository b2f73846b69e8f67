package io.timestore.audit.tlog;

import java.util.Objects;

/**
 * A signed note (or the checkpoint in it) that must not be trusted, with the reason. The message
 * names keys and lines by their public parts only.
 */
public final class InvalidNote extends RuntimeException {
    /** Why the note was refused. */
    public enum Reason {
        /** Not a well-formed signed note (c2sp.org/signed-note). */
        MALFORMED_NOTE,
        /** Well formed, but no signature by a known key. */
        NO_KNOWN_SIGNATURE,
        /** A known key's signature does not verify: the whole note is refused. */
        INVALID_SIGNATURE,
        /** Two different known keys share the signature's name and key hash. */
        AMBIGUOUS_KEY,
        /** The note text is not a well-formed c2sp.org/tlog-checkpoint. */
        MALFORMED_CHECKPOINT,
        /** A valid checkpoint, but of another log than the one expected. */
        WRONG_ORIGIN
    }

    private final Reason reason;

    public InvalidNote(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
