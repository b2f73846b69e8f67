package io.timestore.audit.verify;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.CanonicalEncoding;
import io.timestore.audit.ChainHash;
import io.timestore.audit.ChainHead;
import io.timestore.audit.EventIds;
import io.timestore.audit.Seal;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointVerifier;
import io.timestore.audit.checkpoint.CheckpointVerifier.Check;
import io.timestore.audit.verify.VerificationResult.Reason;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Verifies one tenant's chain in a single streaming pass: recomputes every hash, checks that seq is
 * gap-free from the anchor and that every prev_hash links, checks every checkpoint's signature and
 * that the chain at the checkpoint's seq has the checkpoint's hash, and that no checkpoint lies
 * beyond the last event. Stops at the first problem and reports the lowest bad seq.
 *
 * <p>Memory is constant in the number of events (the iterator may stream from a database cursor):
 * events are taken in blocks of {@value #BLOCK}. The hashes of a block are recomputed in parallel
 * (each event's hash depends only on its own prev_hash and content; that every prev_hash equals
 * the previous event's hash is checked in the sequential walk), which is what lets verification go
 * faster than one core hashes. The walk then checks the block in seq order, so the result, the
 * lowest bad seq included, is the same as a one-by-one pass. Thread-safe.
 *
 * <p>What it cannot see: events appended after the last checkpoint by someone who can recompute
 * SHA-256 are indistinguishable from real ones until the next checkpoint — the window is bounded by
 * the checkpoint interval. See {@code docs/audit-events.md}.
 */
public final class ChainVerifier {
    private static final int BLOCK = 4096;
    /** Below this many events a block is hashed on the calling thread: forking costs more. */
    private static final int PARALLEL_FROM = 512;
    private static final ThreadLocal<ContentHasher> HASHERS = ThreadLocal.withInitial(ContentHasher::new);
    private final CheckpointVerifier signatures;

    public ChainVerifier(CheckpointVerifier signatures) {
        this.signatures = Objects.requireNonNull(signatures, "signatures");
    }

    /**
     * Verifies a chain that starts at genesis.
     *
     * @param events      the tenant's sealed events ordered by seq ascending
     * @param checkpoints the tenant's checkpoints ordered by seq ascending
     */
    public VerificationResult verify(String tenantId, Iterator<AuditEvent> events, List<Checkpoint> checkpoints) {
        return run(ChainHead.genesis(tenantId), events, checkpoints);
    }

    /**
     * Verifies a chain whose events up to {@code anchor.seq} were purged: the first event must have
     * seq {@code anchor.seq + 1} and prev_hash {@code anchor.hash}. The anchor's own signature is
     * checked; it should also be in {@code checkpoints}, which may include older ones.
     */
    public VerificationResult verifyFrom(Checkpoint anchor, Iterator<AuditEvent> events, List<Checkpoint> checkpoints) {
        Objects.requireNonNull(anchor, "anchor");
        ChainHead head = anchor.head();
        Check check = signatures.check(anchor);
        if (check != Check.VALID) {
            return new Walk(head).fail(anchor.seq(), check == Check.UNKNOWN_KEY ? Reason.CHECKPOINT_UNKNOWN_KEY
                    : Reason.CHECKPOINT_BAD_SIGNATURE, "the anchor checkpoint at seq %d is not trusted (%s)".formatted(anchor.seq(), check));
        }
        return run(head, events, checkpoints);
    }

    private VerificationResult run(ChainHead anchor, Iterator<AuditEvent> events, List<Checkpoint> checkpoints) {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(checkpoints, "checkpoints");
        Walk walk = new Walk(anchor);
        // Checkpoints are few: check them all first, remembering the first bad one; the walk then
        // reports whichever problem has the lower seq.
        int usable = checkpoints.size();
        Checkpoint previous = null;
        for (int i = 0; i < checkpoints.size(); i++) {
            Checkpoint cp = checkpoints.get(i);
            String problem = checkpointProblem(anchor.tenantId(), cp, previous);
            if (problem != null) {
                usable = i;
                walk.pending(cp.seq(), reasonFor(anchor.tenantId(), cp, previous), problem);
                break;
            }
            previous = cp;
        }
        return walk.run(events, checkpoints.subList(0, usable));
    }

    private String checkpointProblem(String tenantId, Checkpoint cp, Checkpoint previous) {
        if (!cp.tenantId().equals(tenantId)) {
            return "the checkpoint at seq %d belongs to %s".formatted(cp.seq(), cp.tenantId());
        }
        try {
            cp.requireFollows(previous);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return switch (signatures.check(cp)) {
            case VALID -> null;
            case UNKNOWN_KEY -> "the checkpoint at seq %d is signed by unknown key %s".formatted(cp.seq(), cp.keyId());
            case BAD_SIGNATURE -> "the checkpoint at seq %d has a signature that does not verify with key %s".formatted(cp.seq(), cp.keyId());
        };
    }

    private Reason reasonFor(String tenantId, Checkpoint cp, Checkpoint previous) {
        if (!cp.tenantId().equals(tenantId)) {
            return Reason.CHECKPOINT_OUT_OF_ORDER;
        }
        if (previous != null && (cp.seq() <= previous.seq() || !cp.signedAt().isAfter(previous.signedAt()))) {
            return Reason.CHECKPOINT_OUT_OF_ORDER;
        }
        return signatures.check(cp) == Check.UNKNOWN_KEY ? Reason.CHECKPOINT_UNKNOWN_KEY : Reason.CHECKPOINT_BAD_SIGNATURE;
    }

    /** The state of one verification pass. */
    private static final class Walk {
        private final ChainHead anchor;
        private final AuditEvent[] block = new AuditEvent[BLOCK];
        private final boolean[] contentMatches = new boolean[BLOCK];
        private long verifiedThrough;
        private long signedThrough;
        private long checked;
        private long pendingSeq = Long.MAX_VALUE;
        private Reason pendingReason;
        private String pendingMessage;

        Walk(ChainHead anchor) {
            this.anchor = anchor;
            this.verifiedThrough = anchor.seq();
        }

        void pending(long seq, Reason reason, String message) {
            pendingSeq = seq;
            pendingReason = reason;
            pendingMessage = message;
        }

        VerificationResult run(Iterator<AuditEvent> events, List<Checkpoint> checkpoints) {
            String tenant = anchor.tenantId();
            ChainHash prev = anchor.hash();
            long expected = anchor.seq() + 1;
            int next = 0;
            // Checkpoints at or before the anchor cover purged events; only their signatures count.
            while (next < checkpoints.size() && checkpoints.get(next).seq() <= anchor.seq()) {
                next++;
            }
            while (expected <= pendingSeq) {
                int size = 0;
                while (size < BLOCK && events.hasNext()) {
                    block[size++] = events.next();
                }
                if (size == 0) {
                    break;
                }
                hashBlock(size);
                for (int i = 0; i < size && expected <= pendingSeq; i++) {
                    AuditEvent event = block[i];
                    block[i] = null;
                    Seal seal = event.seal();
                    if (seal == null) {
                        return fail(expected, Reason.UNSEALED_EVENT, "event %s has no seal".formatted(event.eventId()));
                    }
                    long seq = seal.seq();
                    if (seq < expected) {
                        return fail(seq, Reason.SEQ_OUT_OF_ORDER, "seq %d follows seq %d (event %s)".formatted(seq, expected - 1, event.eventId()));
                    }
                    if (seq > expected) {
                        return fail(expected, Reason.SEQ_GAP, "seq %d is missing: the next event has seq %d".formatted(expected, seq));
                    }
                    if (!event.tenantId().equals(tenant)) {
                        return fail(seq, Reason.TENANT_MISMATCH, "the event at seq %d (%s) belongs to %s".formatted(seq, event.eventId(), event.tenantId()));
                    }
                    if (!seal.prevHash().equals(prev)) {
                        return fail(seq, seq == anchor.seq() + 1 ? Reason.ANCHOR_MISMATCH : Reason.PREV_HASH_MISMATCH,
                                "the event at seq %d has prev_hash %s, expected %s".formatted(seq, seal.prevHash(), prev));
                    }
                    checked++;
                    if (!contentMatches[i]) {
                        var computed = ChainHash.of(HASHERS.get().hash(event, prev));
                        return fail(seq, Reason.HASH_MISMATCH, "the event at seq %d (%s) has hash %s, its content hashes to %s"
                                .formatted(seq, event.eventId(), seal.hash(), computed));
                    }
                    prev = seal.hash();
                    if (next < checkpoints.size() && checkpoints.get(next).seq() == seq) {
                        Checkpoint cp = checkpoints.get(next++);
                        if (!cp.hash().equals(prev)) {
                            return fail(seq, Reason.CHECKPOINT_MISMATCH, "the checkpoint at seq %d signed hash %s, the chain has %s"
                                    .formatted(seq, cp.hash(), prev));
                        }
                        signedThrough = seq;
                    }
                    verifiedThrough = seq;
                    expected++;
                }
            }
            if (pendingReason != null) {
                return fail(pendingSeq, pendingReason, pendingMessage);
            }
            if (next < checkpoints.size()) {
                Checkpoint beyond = checkpoints.getLast();
                return fail(expected, Reason.TRUNCATED, "a checkpoint covers seq %d but the chain ends at seq %d"
                        .formatted(beyond.seq(), verifiedThrough));
            }
            return new VerificationResult(tenant, true, anchor.seq(), verifiedThrough, signedThrough, null, null,
                    "verified seq %d to %d".formatted(anchor.seq() + 1, verifiedThrough), checked);
        }

        VerificationResult fail(long seq, Reason reason, String message) {
            return new VerificationResult(anchor.tenantId(), false, anchor.seq(), Math.min(verifiedThrough, seq - 1),
                    Math.min(signedThrough, seq - 1), seq, reason, message, checked);
        }

        /** Whether each event of the block hashes to its stored hash from its own prev_hash and content. */
        private void hashBlock(int size) {
            if (size < PARALLEL_FROM) {
                var hasher = HASHERS.get();
                for (int i = 0; i < size; i++) {
                    contentMatches[i] = hasher.matches(block[i]);
                }
            } else {
                IntStream.range(0, size).parallel().forEach(i -> contentMatches[i] = HASHERS.get().matches(block[i]));
            }
        }
    }

    /** Recomputes event hashes; one per thread, reusing its buffers, so hashing allocates nothing per event. */
    private static final class ContentHasher {
        private final MessageDigest sha256 = EventIds.sha256();
        private final CanonicalEncoding encoding = new CanonicalEncoding();
        private final byte[] digest = new byte[ChainHash.LENGTH];

        /** SHA-256(prev || canonical bytes of the event), in a buffer valid until the next call. */
        byte[] hash(AuditEvent event, ChainHash prev) {
            encoding.write(event);
            prev.updateDigest(sha256);
            sha256.update(encoding.buffer(), 0, encoding.length());
            try {
                sha256.digest(digest, 0, digest.length);
            } catch (DigestException e) {
                throw new IllegalStateException("a 32-byte buffer holds a SHA-256 digest", e);
            }
            return digest;
        }

        /** False for an unsealed event (the walk reports it as such before looking at this). */
        boolean matches(AuditEvent event) {
            Seal seal = event.seal();
            return seal != null && seal.hash().matches(hash(event, seal.prevHash()));
        }
    }
}
