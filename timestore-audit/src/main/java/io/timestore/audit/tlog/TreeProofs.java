package io.timestore.audit.tlog;

import java.util.List;
import java.util.Objects;

/**
 * Computes roots, inclusion proofs and consistency proofs of one log's tree for any size up to the
 * size stored in {@code nodes}, from at most about {@code 2 log2(size)} stored nodes read in one
 * call: never from the leaves. The nodes of an incomplete subtree on the right border are
 * recomputed from the complete ones below them. Thread-safe if the reader is.
 */
public final class TreeProofs {
    private final NodeReader nodes;

    public TreeProofs(NodeReader nodes) {
        this.nodes = Objects.requireNonNull(nodes, "nodes");
    }

    /**
     * The root hash of the tree of {@code size} leaves.
     *
     * @throws IllegalArgumentException if {@code size} is negative
     * @throws MissingNodes             if the store does not hold that tree
     */
    public TreeHash root(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("a tree size is non-negative (found " + size + ")");
        }
        return CompactRange.read(nodes, size).root();
    }

    /**
     * The proof that leaf {@code index} is in the tree of {@code size} leaves (RFC 9162 §2.1.3.1).
     *
     * @throws IllegalArgumentException unless {@code 0 <= index < size}
     * @throws MissingNodes             if the store does not hold that tree
     */
    public InclusionProof inclusion(long index, long size) {
        return new InclusionProof(index, size, build(ProofPlan.inclusion(index, size)));
    }

    /**
     * The proof that the tree of {@code size2} leaves extends that of {@code size1} (RFC 9162
     * §2.1.4.1); empty when the sizes are equal.
     *
     * @throws IllegalArgumentException unless {@code 0 < size1 <= size2}
     * @throws MissingNodes             if the store does not hold the tree of {@code size2}
     */
    public ConsistencyProof consistency(long size1, long size2) {
        return new ConsistencyProof(size1, size2, build(ProofPlan.consistency(size1, size2)));
    }

    private List<TreeHash> build(ProofPlan plan) {
        if (plan.ids().isEmpty()) {
            return List.of();
        }
        return plan.rehash(nodes.read(plan.ids()));
    }
}
