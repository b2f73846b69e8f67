package io.timestore.audit.tlog;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The keys a reader trusts, and the opening of signed notes against them, as c2sp.org/signed-note
 * and Go's {@code note.Open} do it:
 * <ul>
 *   <li>a signature whose (name, key hash) is no known key's is ignored (kept as unverified);
 *       this is what lets a log rotate keys and witnesses add cosignatures;</li>
 *   <li>a signature by a known key must verify, or the whole note is refused;</li>
 *   <li>a key's second signature in the same note is ignored;</li>
 *   <li>a note no known key signed is refused.</li>
 * </ul>
 * Key rotation: list the new key and every old key whose notes must still verify. Two entries with
 * the same name and key hash (the same key listed twice, or a colliding key) are ambiguous, as in
 * Go's {@code note.VerifierList}: a note signed under that pair is refused, since whoever wrote the
 * list made a mistake or tampered with it. Immutable and thread-safe.
 */
public final class NoteVerifiers {
    private final Map<String, List<NoteVerifierKey>> byNameAndHash;

    public NoteVerifiers(Collection<NoteVerifierKey> keys) {
        Map<String, List<NoteVerifierKey>> grouped = new HashMap<>();
        for (NoteVerifierKey key : List.copyOf(Objects.requireNonNull(keys, "keys"))) {
            grouped.computeIfAbsent(id(key.name(), key.keyHash()), k -> new ArrayList<>()).add(key);
        }
        grouped.replaceAll((id, list) -> List.copyOf(list));
        this.byNameAndHash = Map.copyOf(grouped);
    }

    public static NoteVerifiers of(NoteVerifierKey... keys) {
        return new NoteVerifiers(List.of(keys));
    }

    /**
     * Parses {@code message} and verifies its signatures.
     *
     * @throws InvalidNote {@link InvalidNote.Reason#MALFORMED_NOTE} if it is not a signed note,
     *                     {@link InvalidNote.Reason#INVALID_SIGNATURE} if a known key's signature does
     *                     not verify, {@link InvalidNote.Reason#AMBIGUOUS_KEY} if a signature names
     *                     an ambiguous key, {@link InvalidNote.Reason#NO_KNOWN_SIGNATURE} if no known
     *                     key signed it
     */
    public VerifiedNote open(byte[] message) {
        Note note = Note.parse(message);
        byte[] text = note.text().getBytes(StandardCharsets.UTF_8);
        List<NoteSignature> verified = new ArrayList<>();
        List<NoteSignature> unverified = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (NoteSignature signature : note.signatures()) {
            String id = id(signature.name(), signature.keyHash());
            List<NoteVerifierKey> keys = byNameAndHash.get(id);
            if (keys == null) {
                if (!unverified.contains(signature)) {
                    unverified.add(signature);
                }
                continue;
            }
            if (keys.size() > 1) {
                throw new InvalidNote(InvalidNote.Reason.AMBIGUOUS_KEY, "ambiguous key " + id);
            }
            if (!seen.add(id)) {
                continue;
            }
            if (!keys.getFirst().verifies(text, signature.signature())) {
                throw new InvalidNote(InvalidNote.Reason.INVALID_SIGNATURE, "invalid signature for key " + id);
            }
            verified.add(signature);
        }
        if (verified.isEmpty()) {
            throw new InvalidNote(InvalidNote.Reason.NO_KNOWN_SIGNATURE,
                    "note has no verifiable signatures (signed by " + unverified.stream().map(s -> id(s.name(), s.keyHash())).toList() + ")");
        }
        return new VerifiedNote(note.text(), verified, unverified);
    }

    private static String id(String name, int keyHash) {
        return name + "+" + NoteNames.hex(keyHash);
    }
}
