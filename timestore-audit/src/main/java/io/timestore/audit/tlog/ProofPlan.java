package io.timestore.audit.tlog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which stored nodes make up a proof (a port of transparency-dev/merkle {@code proof.nodes}). A
 * proof of a tree whose size is not a power of two needs at most one node that is not complete (an
 * "ephemeral" node on the right border); its hash is recomputed from the complete nodes that cover
 * the same leaves, {@code ids[ephemeralBegin, ephemeralEnd)}, listed lowest level first.
 *
 * @param ids            the complete nodes to read, in proof order
 * @param ephemeralBegin first of the nodes folded into the ephemeral node
 * @param ephemeralEnd   one past the last; equal to {@code ephemeralBegin} when there is none
 */
record ProofPlan(List<NodeId> ids, int ephemeralBegin, int ephemeralEnd) {
    ProofPlan {
        ids = List.copyOf(ids);
    }

    /** The plan of the inclusion proof of leaf {@code index} in the tree of {@code size} leaves. */
    static ProofPlan inclusion(long index, long size) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("an inclusion proof needs 0 <= index < size (index %d, size %d)".formatted(index, size));
        }
        return nodes(index, 0, size).skipFirst();
    }

    /** The plan of the consistency proof from the tree of {@code size1} to that of {@code size2}. */
    static ProofPlan consistency(long size1, long size2) {
        if (size1 <= 0 || size2 < size1) {
            throw new IllegalArgumentException("a consistency proof needs 0 < size1 <= size2 (size1 %d, size2 %d)".formatted(size1, size2));
        }
        if (size1 == size2) {
            return new ProofPlan(List.of(), 0, 0);
        }
        // The largest complete subtree at the right end of the first tree, and its path to the
        // second tree's root. A power-of-two first tree is that subtree itself, whose hash (the
        // first root) the verifier already has: leave it out.
        int level = Long.numberOfTrailingZeros(size1);
        long index = (size1 - 1) >>> level;
        ProofPlan plan = nodes(index, level, size2);
        return (size1 & (size1 - 1)) == 0 ? plan.skipFirst() : plan;
    }

    /**
     * The nodes that prove node {@code (level, index)} is in the tree of {@code size} leaves: the
     * node itself, its siblings up to the level where its path leaves the right border's, the
     * complete nodes that stand in for the ephemeral node, then those covering everything to the
     * left.
     */
    private static ProofPlan nodes(long index, int level, long size) {
        int inner = 64 - Long.numberOfLeadingZeros(index ^ (size >>> level)) - 1;
        NodeId fork = new NodeId(level + inner, index >>> inner);
        long begin = fork.begin();
        long end = fork.end();
        List<NodeId> ids = new ArrayList<>(1 + inner + Ranges.size(end, size) + Ranges.size(0, begin));
        NodeId node = new NodeId(level, index);
        ids.add(node);
        for (; node.level() < fork.level(); node = node.parent()) {
            ids.add(node.sibling());
        }
        int rightStart = ids.size();
        Ranges.appendNodes(end, size, ids);
        // Lowest level first, so the ephemeral node folds up from the bottom.
        Collections.reverse(ids.subList(rightStart, ids.size()));
        int rightEnd = ids.size();
        Ranges.appendNodes(0, begin, ids);
        Collections.reverse(ids.subList(rightEnd, ids.size()));
        if (rightStart >= rightEnd) {
            return new ProofPlan(ids, 0, 0);
        }
        return new ProofPlan(ids, rightStart, rightEnd);
    }

    private ProofPlan skipFirst() {
        List<NodeId> rest = ids.subList(1, ids.size());
        return ephemeralBegin < ephemeralEnd
                ? new ProofPlan(rest, ephemeralBegin - 1, ephemeralEnd - 1)
                : new ProofPlan(rest, 0, 0);
    }

    /** The proof from the hashes of {@link #ids}, in the same order. */
    List<TreeHash> rehash(List<TreeHash> hashes) {
        if (hashes.size() != ids.size()) {
            throw new IllegalStateException("read %d hashes for %d nodes".formatted(hashes.size(), ids.size()));
        }
        List<TreeHash> proof = new ArrayList<>(hashes.size());
        for (int i = 0; i < hashes.size(); i++) {
            TreeHash hash = hashes.get(i);
            if (i == ephemeralBegin && ephemeralBegin < ephemeralEnd) {
                // Each further node of the block lies to the left of what is folded so far.
                for (i++; i < ephemeralEnd; i++) {
                    hash = Rfc6962.nodeHash(hashes.get(i), hash);
                }
                i--;
            }
            proof.add(hash);
        }
        return proof;
    }
}
