package io.timestore.audit.tlog;

import java.util.List;

/**
 * The proof that the tree of {@code size2} leaves extends the tree of {@code size1} leaves (RFC 9162
 * §2.1.4): the log only grew between two checkpoints.
 *
 * @param size1  the older size, {@code > 0}
 * @param size2  the newer size, {@code >= size1}
 * @param hashes the consistency path (empty when the sizes are equal)
 */
public record ConsistencyProof(long size1, long size2, List<TreeHash> hashes) {
    public ConsistencyProof {
        if (size1 <= 0 || size2 < size1) {
            throw new IllegalArgumentException("a consistency proof needs 0 < size1 <= size2 (found %d, %d)".formatted(size1, size2));
        }
        hashes = List.copyOf(hashes);
    }

    /**
     * Checks that this proof links the tree with root {@code root1} to the one with root {@code root2}.
     *
     * @throws InvalidProof if it does not
     */
    public void verify(TreeHash root1, TreeHash root2) {
        ProofVerifier.verifyConsistency(size1, size2, hashes, root1, root2);
    }
}
