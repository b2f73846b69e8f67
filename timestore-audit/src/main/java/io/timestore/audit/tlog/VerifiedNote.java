package io.timestore.audit.tlog;

import java.util.List;
import java.util.Objects;

/**
 * A note at least one known key signed (the result of {@link NoteVerifiers#open}).
 *
 * @param text       the signed text, ending in a newline; trustworthy as far as the verified keys are
 * @param verified   the signatures by known keys, each verified, each key once, in note order
 * @param unverified the signatures by unknown keys (ignored, as the spec requires), duplicates
 *                   dropped, in note order
 */
public record VerifiedNote(String text, List<NoteSignature> verified, List<NoteSignature> unverified) {
    public VerifiedNote {
        Objects.requireNonNull(text, "text");
        verified = List.copyOf(verified);
        unverified = List.copyOf(unverified);
        if (verified.isEmpty()) {
            throw new IllegalArgumentException("a verified note has at least one verified signature");
        }
    }
}
