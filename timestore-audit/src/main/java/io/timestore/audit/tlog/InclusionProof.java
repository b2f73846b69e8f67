package io.timestore.audit.tlog;

import java.util.List;

/**
 * The proof that leaf {@code leafIndex} is in the tree of {@code treeSize} leaves: the audit path of
 * RFC 9162 §2.1.3, lowest level first. For an audit event, {@code leafIndex} is its {@code seq - 1}.
 *
 * @param leafIndex {@code 0 <= leafIndex < treeSize}
 * @param treeSize  the size of the tree the proof is for
 * @param hashes    the audit path
 */
public record InclusionProof(long leafIndex, long treeSize, List<TreeHash> hashes) {
    public InclusionProof {
        if (leafIndex < 0 || leafIndex >= treeSize) {
            throw new IllegalArgumentException("an inclusion proof needs 0 <= leaf index < tree size (found %d, %d)"
                    .formatted(leafIndex, treeSize));
        }
        hashes = List.copyOf(hashes);
    }

    /**
     * Checks that this proof puts {@code leafHash} in the tree whose root is {@code root}.
     *
     * @throws InvalidProof if it does not
     */
    public void verify(TreeHash leafHash, TreeHash root) {
        ProofVerifier.verifyInclusion(leafIndex, treeSize, leafHash, hashes, root);
    }
}
