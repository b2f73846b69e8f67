package io.timestore.audit.tlog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Everything an outsider needs, offline, to prove that an audit event is in its tenant's log: the
 * event's leaf (its hash, and optionally the canonical bytes it is the hash of), the inclusion proof
 * of leaf {@code seq - 1}, and a checkpoint signed as a note whose tree the proof is for. Its JSON
 * form is {@link ProofJson#writeReceipt}; {@code docs/verify/verify_receipt.py} checks the same
 * things as {@link #verify}. Immutable and thread-safe.
 *
 * @param eventId        the audit event's id
 * @param seq            the event's position in its tenant's log, from 1; its leaf index is
 *                       {@code seq - 1}
 * @param leafHash       {@code SHA-256(0x00 || canonical bytes)}
 * @param canonical      the event's canonical bytes ({@code docs/audit-events.md} §5), or null when
 *                       the receipt leaves them out
 * @param inclusionProof the audit path of leaf {@code seq - 1} in the checkpoint's tree
 * @param checkpoint     the signed checkpoint note, as text
 */
public record Receipt(UUID eventId, long seq, TreeHash leafHash, byte[] canonical, List<TreeHash> inclusionProof,
                      String checkpoint) {
    public Receipt {
        Objects.requireNonNull(eventId, "eventId");
        if (seq < 1) {
            throw new IllegalArgumentException("a sealed event's seq is at least 1 (found " + seq + ")");
        }
        Objects.requireNonNull(leafHash, "leafHash");
        canonical = canonical == null ? null : canonical.clone();
        inclusionProof = List.copyOf(inclusionProof);
        Objects.requireNonNull(checkpoint, "checkpoint");
    }

    /** A receipt for leaf {@code seq - 1} from its proof and the signed checkpoint of the proof's tree. */
    public static Receipt of(UUID eventId, long seq, byte[] canonical, InclusionProof proof, Note checkpoint) {
        if (proof.leafIndex() != seq - 1) {
            throw new IllegalArgumentException("the proof is for leaf %d, not seq %d".formatted(proof.leafIndex(), seq));
        }
        return new Receipt(eventId, seq, Rfc6962.leafHash(canonical), canonical, proof.hashes(), checkpoint.toString());
    }

    @Override
    public byte[] canonical() {
        return canonical == null ? null : canonical.clone();
    }

    /**
     * Verifies the receipt: the checkpoint is a valid note signed by one of {@code verifiers} for the
     * log {@code origin}; the canonical bytes (when present) hash to the leaf hash and are this event's;
     * {@code seq} lies within the checkpoint's tree; and the inclusion proof leads from the leaf to the
     * checkpoint's root.
     *
     * @return the checkpoint the event is proven to be in
     * @throws InvalidNote  if the checkpoint must not be trusted
     * @throws InvalidProof if the leaf is not proven to be in it
     */
    public TreeCheckpoint verify(NoteVerifiers verifiers, String origin) {
        TreeCheckpoint head = TreeCheckpoint.open(checkpoint.getBytes(StandardCharsets.UTF_8), verifiers, origin);
        if (canonical != null) {
            if (!Rfc6962.leafHash(canonical).equals(leafHash)) {
                throw new InvalidProof("the leaf hash is not SHA-256(0x00 || canonical bytes)");
            }
            if (!eventId.toString().equals(CanonicalEventId.of(canonical))) {
                throw new InvalidProof("the canonical bytes are of another event than " + eventId);
            }
        }
        if (seq > head.size()) {
            throw new InvalidProof("seq %d is beyond the checkpoint's tree of size %d".formatted(seq, head.size()));
        }
        ProofVerifier.verifyInclusion(seq - 1, head.size(), leafHash, inclusionProof, head.rootHash());
        return head;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Receipt other && eventId.equals(other.eventId) && seq == other.seq && leafHash.equals(other.leafHash)
                && Arrays.equals(canonical, other.canonical) && inclusionProof.equals(other.inclusionProof)
                && checkpoint.equals(other.checkpoint);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, seq, leafHash, Arrays.hashCode(canonical), inclusionProof, checkpoint);
    }

    @Override
    public String toString() {
        return "Receipt[event_id=%s, seq=%d, leaf_hash=%s, inclusion_proof=%d hashes]".formatted(eventId, seq, leafHash, inclusionProof.size());
    }
}
