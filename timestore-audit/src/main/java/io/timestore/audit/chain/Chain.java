package io.timestore.audit.chain;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.CanonicalEncoding;
import io.timestore.audit.ChainHash;
import io.timestore.audit.ChainHead;
import io.timestore.audit.EventIds;
import io.timestore.audit.Seal;
import io.timestore.audit.checkpoint.CheckpointSigner;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Seals events into one tenant's hash chain: each event gets the next {@code seq}, the previous
 * event's hash as {@code prev_hash}, and {@code hash = SHA-256(prev_hash || canonical_bytes)} with
 * the canonical bytes of {@link CanonicalEncoding} (version 1).
 *
 * <p>Order is the sequencer's insertion order, not {@code occurred_at}: concurrent requests commit
 * out of timestamp order, and refusing or re-sorting them would lose or delay events. So
 * {@code occurred_at} may go backwards inside a chain; time only has to increase between
 * checkpoints (see {@link CheckpointSigner}). Gap-free, increasing {@code seq} is what the
 * verifier relies on.
 *
 * <p>Holds a reusable digest and buffer: not thread-safe; the single sequencer owns one instance.
 */
public final class Chain {
    private final MessageDigest sha256 = EventIds.sha256();
    private final CanonicalEncoding encoding = new CanonicalEncoding();

    /**
     * Seals {@code events}, in list order, after {@code head}.
     *
     * @return the sealed events (seq {@code head.seq + 1} onwards) and the new head
     * @throws IllegalArgumentException if an event is already sealed or belongs to another tenant
     */
    public SealedBatch seal(ChainHead head, List<AuditEvent> events) {
        Objects.requireNonNull(head, "head");
        List<AuditEvent> sealed = new ArrayList<>(events.size());
        long seq = head.seq();
        ChainHash prev = head.hash();
        for (AuditEvent event : events) {
            if (event.isSealed()) {
                throw new IllegalArgumentException("event %s is already sealed at seq %d".formatted(event.eventId(), event.seal().seq()));
            }
            if (!event.tenantId().equals(head.tenantId())) {
                throw new IllegalArgumentException("event %s belongs to %s, not to the chain of %s"
                        .formatted(event.eventId(), event.tenantId(), head.tenantId()));
            }
            ChainHash hash = ChainHash.of(hash(prev, event));
            sealed.add(event.withSeal(new Seal(++seq, prev, hash)));
            prev = hash;
        }
        return new SealedBatch(List.copyOf(sealed), new ChainHead(head.tenantId(), seq, prev));
    }

    /**
     * Seals events given as their canonical bytes, in list order, after {@code head}: the same
     * seals {@link #seal} gives the events those bytes were encoded from. The sequencer's path — it
     * hashes the bytes the writer queued and never parses the events; the caller vouches that the
     * bytes belong to {@code head}'s tenant (the verifier, which re-encodes the stored events,
     * reports any that do not match their event).
     *
     * @return one seal per element (seq {@code head.seq + 1} onwards) and the new head
     */
    public SealedContent sealCanonical(ChainHead head, List<byte[]> canonical) {
        Objects.requireNonNull(head, "head");
        List<Seal> seals = new ArrayList<>(canonical.size());
        long seq = head.seq();
        ChainHash prev = head.hash();
        for (byte[] content : canonical) {
            ChainHash hash = ChainHash.of(hash(prev, content, content.length));
            seals.add(new Seal(++seq, prev, hash));
            prev = hash;
        }
        return new SealedContent(List.copyOf(seals), new ChainHead(head.tenantId(), seq, prev));
    }

    /** {@code SHA-256(prev || canonical_bytes(event))}; the returned array is fresh. */
    public byte[] hash(ChainHash prev, AuditEvent event) {
        encoding.write(event);
        return hash(prev, encoding.buffer(), encoding.length());
    }

    private byte[] hash(ChainHash prev, byte[] content, int length) {
        prev.updateDigest(sha256);
        sha256.update(content, 0, length);
        return sha256.digest();
    }

    /** The result of {@link #sealCanonical}: one seal per element, in order, and the chain's new head. */
    public record SealedContent(List<Seal> seals, ChainHead head) {
        public SealedContent {
            seals = List.copyOf(seals);
            Objects.requireNonNull(head, "head");
        }
    }

    /** The result of {@link #seal}: the sealed events and the chain's new head. */
    public record SealedBatch(List<AuditEvent> events, ChainHead head) {
        public SealedBatch {
            events = List.copyOf(events);
            Objects.requireNonNull(head, "head");
        }
    }
}
