package io.timestore.audit;

import java.util.Objects;

/**
 * An event's place in its tenant's hash chain, assigned by the sequencer: {@code seq} (1 for the
 * first event, then consecutive), {@code prev_hash} (the previous event's {@code hash}, or
 * {@link ChainHash#GENESIS}) and {@code hash = SHA-256(prev_hash || canonical bytes)}.
 */
public record Seal(long seq, ChainHash prevHash, ChainHash hash) {
    public Seal {
        if (seq < 1) {
            throw new IllegalArgumentException("seq starts at 1 (found " + seq + ")");
        }
        Objects.requireNonNull(prevHash, "prevHash");
        Objects.requireNonNull(hash, "hash");
    }
}
