package io.timestore.audit;

import java.util.Objects;

/**
 * The last sealed position of one tenant's chain: the {@code seq} and {@code hash} of its newest
 * event, or {@code (0, GENESIS)} for a chain with no events. Also used as the anchor of a chain
 * whose older events were purged (then {@code seq} and {@code hash} come from a signed checkpoint).
 */
public record ChainHead(String tenantId, long seq, ChainHash hash) {
    public ChainHead {
        tenantId = AuditEvent.checkPartition(tenantId);
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative (found " + seq + ")");
        }
        Objects.requireNonNull(hash, "hash");
        if (seq == 0 && !hash.equals(ChainHash.GENESIS)) {
            throw new IllegalArgumentException("an empty chain's head hash is the genesis hash (found " + hash + ")");
        }
    }

    public static ChainHead genesis(String tenantId) {
        return new ChainHead(tenantId, 0, ChainHash.GENESIS);
    }

    public boolean isGenesis() {
        return seq == 0;
    }
}
