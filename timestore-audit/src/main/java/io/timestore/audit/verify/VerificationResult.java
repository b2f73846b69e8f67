package io.timestore.audit.verify;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.canonical.Labels;
import java.util.Objects;

/**
 * The outcome of verifying one tenant's chain.
 *
 * @param tenantId           the chain verified
 * @param ok                 true when nothing was wrong
 * @param anchoredAtSeq      0 when verified from genesis, else the seq of the anchor checkpoint
 *                           (events up to it were purged)
 * @param verifiedThroughSeq the last seq whose event verified (equals {@code anchoredAtSeq} if none did)
 * @param signedThroughSeq   the last seq covered by a valid checkpoint that matched the chain; events
 *                           after it are protected by the chain links only
 * @param firstBadSeq        the seq where the first problem is, or {@code null} when ok
 * @param reason             what was wrong, or {@code null} when ok
 * @param message            a human explanation naming what was expected and what was found
 * @param eventsChecked      how many events were hashed
 */
public record VerificationResult(String tenantId, boolean ok, long anchoredAtSeq, long verifiedThroughSeq,
        long signedThroughSeq, Long firstBadSeq, Reason reason, String message, long eventsChecked) {

    public VerificationResult {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(message, "message");
        if (ok != (reason == null) || ok != (firstBadSeq == null)) {
            throw new IllegalArgumentException("a result is ok exactly when it has no reason and no first bad seq");
        }
    }

    /** Why a chain failed to verify; serialised in lower case. */
    public enum Reason {
        /** An event's stored hash is not SHA-256(prev_hash || canonical bytes): its content was changed. */
        HASH_MISMATCH,
        /** An event's prev_hash is not the previous event's hash: a row was removed, inserted or moved. */
        PREV_HASH_MISMATCH,
        /** A seq is missing: a row was deleted. {@code first_bad_seq} is the missing seq. */
        SEQ_GAP,
        /** A seq repeats or goes backwards: a row was inserted with a taken seq, or rows were reordered. */
        SEQ_OUT_OF_ORDER,
        /** An event of another tenant sits in this chain. */
        TENANT_MISMATCH,
        /** An event without a seal was handed to the verifier. */
        UNSEALED_EVENT,
        /** The first retained event does not continue the anchor (genesis or purge checkpoint). */
        ANCHOR_MISMATCH,
        /** A valid checkpoint signed a different hash for this seq: the chain was rewritten. */
        CHECKPOINT_MISMATCH,
        /** A checkpoint's signature does not verify. */
        CHECKPOINT_BAD_SIGNATURE,
        /** A checkpoint names a key id that is not trusted. */
        CHECKPOINT_UNKNOWN_KEY,
        /** A checkpoint does not move forward in seq and time from the previous one, or is another tenant's. */
        CHECKPOINT_OUT_OF_ORDER,
        /** A checkpoint covers a seq beyond the last event: the tail of the chain was removed. */
        TRUNCATED,
        /** A sealed event's stored row is missing or is not a valid event document. */
        MALFORMED_EVENT,
        /**
         * A column copied from the event for filtering and indexes (actor_id, action, result, ...)
         * disagrees with the event's JSON, which is what is hashed: a query would find the event
         * under a value it does not have.
         */
        COLUMN_MISMATCH,
        /**
         * An event is stored that is neither sealed nor waiting in the sequencer's queue: it was
         * inserted into the events table without going through the audit library.
         */
        UNQUEUED_EVENT,
        /**
         * An event is sealed twice, at two seqs. Since audit schema version 9 no index refuses a
         * second seal made under another arrival number or none (a sealed event queued again).
         */
        DUPLICATE_SEAL,
        /**
         * The Merkle tree's leaf for an event is missing or is not {@code SHA-256(0x00 || canonical
         * bytes)} of the event sealed at that seq: the stored leaf or the event was changed.
         */
        TREE_LEAF_MISMATCH,
        /** An interior node of the Merkle tree is not the hash of its stored children: a node was changed. */
        TREE_NODE_MISMATCH,
        /** The Merkle tree lacks nodes a tree of the chain's length has, or holds nodes beyond it. */
        TREE_INCOMPLETE,
        /**
         * A signed tree checkpoint signs another root than the stored tree gives for its size, names
         * another partition's log, or disagrees with its own row: the tree or the checkpoint was changed.
         */
        TREE_CHECKPOINT_MISMATCH,
        /** A tree checkpoint's note carries no valid signature by a trusted key. */
        TREE_CHECKPOINT_BAD_SIGNATURE;

        public String label() {
            return Labels.of(this);
        }
    }

    /** The per-tenant entry of {@code GET /api/audit/v1alpha1/verify}. */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode()
                .put("tenant_id", tenantId)
                .put("ok", ok)
                .put("anchored_at_seq", anchoredAtSeq)
                .put("verified_through_seq", verifiedThroughSeq)
                .put("signed_through_seq", signedThroughSeq)
                .put("events_checked", eventsChecked);
        if (ok) {
            json.putNull("first_bad_seq").putNull("reason");
        } else {
            json.put("first_bad_seq", firstBadSeq).put("reason", reason.label());
        }
        return json.put("message", message);
    }
}
