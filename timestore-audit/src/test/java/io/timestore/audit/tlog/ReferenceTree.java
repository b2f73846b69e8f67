package io.timestore.audit.tlog;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 9162 §2.1 written out literally over all the leaves (MTH, PATH, PROOF/SUBPROOF), as an
 * independent reference for the stored-node proofs: slow, obviously correct, test-only.
 */
final class ReferenceTree {
    private final List<TreeHash> leaves;

    ReferenceTree(List<TreeHash> leaves) {
        this.leaves = List.copyOf(leaves);
    }

    /** MTH(D[0:size]). */
    TreeHash root(int size) {
        return mth(0, size);
    }

    /** PATH(m, D[0:size]). */
    List<TreeHash> path(int m, int size) {
        return path(m, 0, size);
    }

    /** PROOF(m, D[0:size]). */
    List<TreeHash> consistency(int m, int size) {
        return subproof(m, 0, size, true);
    }

    private TreeHash mth(int from, int to) {
        int n = to - from;
        if (n == 0) {
            return Rfc6962.EMPTY_ROOT;
        }
        if (n == 1) {
            return leaves.get(from);
        }
        int k = split(n);
        return Rfc6962.nodeHash(mth(from, from + k), mth(from + k, to));
    }

    private List<TreeHash> path(int m, int from, int to) {
        int n = to - from;
        List<TreeHash> path = new ArrayList<>();
        if (n == 1) {
            return path;
        }
        int k = split(n);
        if (m < k) {
            path.addAll(path(m, from, from + k));
            path.add(mth(from + k, to));
        } else {
            path.addAll(path(m - k, from + k, to));
            path.add(mth(from, from + k));
        }
        return path;
    }

    private List<TreeHash> subproof(int m, int from, int to, boolean b) {
        int n = to - from;
        List<TreeHash> proof = new ArrayList<>();
        if (m == n) {
            if (!b) {
                proof.add(mth(from, to));
            }
            return proof;
        }
        int k = split(n);
        if (m <= k) {
            proof.addAll(subproof(m, from, from + k, b));
            proof.add(mth(from + k, to));
        } else {
            proof.addAll(subproof(m - k, from + k, to, false));
            proof.add(mth(from, from + k));
        }
        return proof;
    }

    /** The largest power of two smaller than {@code n}. */
    private static int split(int n) {
        return Integer.highestOneBit(n - 1);
    }
}
