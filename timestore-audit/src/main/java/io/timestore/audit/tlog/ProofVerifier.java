package io.timestore.audit.tlog;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Verifies inclusion and consistency proofs of an RFC 9162 Merkle tree (§2.1.3.2 and §2.1.4.2),
 * with the semantics of transparency-dev/merkle's {@code proof/verify.go}: a proof must have exactly
 * the length its sizes call for, a leaf hash and every proof element must be 32 bytes, and the roots
 * are compared byte for byte. Every outcome other than success is an {@link InvalidProof} whose
 * message says why. The byte-array methods take values as they arrive from outside (JSON, vectors);
 * the {@link TreeHash} forms are conveniences over them. Stateless and thread-safe.
 */
public final class ProofVerifier {
    private ProofVerifier() {}

    /**
     * Checks that {@code leafHash} is leaf {@code index} of the tree of {@code size} leaves whose root
     * is {@code root}.
     *
     * @throws InvalidProof if it is not, or the inputs are malformed
     */
    public static void verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
        TreeHash computed = rootFromInclusionProof(index, size, hash(leafHash, "leaf hash"), hashes(proof));
        requireMatch(computed, Objects.requireNonNull(root, "root"), "inclusion proof");
    }

    /** {@link #verifyInclusion(long, long, byte[], List, byte[])} for typed values. */
    public static void verifyInclusion(long index, long size, TreeHash leafHash, List<TreeHash> proof, TreeHash root) {
        requireMatch(rootFromInclusionProof(index, size, leafHash, proof), root.toBytes(), "inclusion proof");
    }

    /**
     * The root of the tree of {@code size} leaves that the proof computes for leaf {@code index}
     * with hash {@code leafHash}. Requires {@code 0 <= index < size}.
     *
     * @throws InvalidProof if the index is out of range or the proof has the wrong length
     */
    public static TreeHash rootFromInclusionProof(long index, long size, TreeHash leafHash, List<TreeHash> proof) {
        Objects.requireNonNull(leafHash, "leafHash");
        Objects.requireNonNull(proof, "proof");
        if (index < 0 || size < 0) {
            throw new InvalidProof("index and size are non-negative (index %d, size %d)".formatted(index, size));
        }
        if (index >= size) {
            throw new InvalidProof("index %d is beyond the tree of size %d".formatted(index, size));
        }
        int inner = innerProofSize(index, size);
        int border = Long.bitCount(index >>> inner);
        if (proof.size() != inner + border) {
            throw new InvalidProof("an inclusion proof of index %d in size %d has %d hashes (found %d)"
                    .formatted(index, size, inner + border, proof.size()));
        }
        TreeHash result = chainInner(leafHash, proof.subList(0, inner), index);
        return chainBorderRight(result, proof.subList(inner, proof.size()));
    }

    /**
     * Checks that the tree of {@code size2} leaves with root {@code root2} extends the tree of
     * {@code size1} leaves with root {@code root1}. Requires {@code 0 < size1 <= size2}; equal sizes
     * need an empty proof and equal roots.
     *
     * @throws InvalidProof if it does not, or the inputs are malformed
     */
    public static void verifyConsistency(long size1, long size2, List<byte[]> proof, byte[] root1, byte[] root2) {
        Objects.requireNonNull(root1, "root1");
        Objects.requireNonNull(root2, "root2");
        Objects.requireNonNull(proof, "proof");
        requireConsistencySizes(size1, size2, proof.size());
        if (size1 == size2) {
            // RFC 9162 §2.1.4.2: nothing to prove but that both heads name the same root.
            if (!MessageDigest.isEqual(root1, root2)) {
                throw new InvalidProof("trees of equal size %d have different roots".formatted(size1));
            }
            return;
        }
        TreeHash computed = rootFromConsistencyProof(size1, size2, hashes(proof), root1);
        requireMatch(computed, root2, "consistency proof (second root)");
    }

    /** {@link #verifyConsistency(long, long, List, byte[], byte[])} for typed values. */
    public static void verifyConsistency(long size1, long size2, List<TreeHash> proof, TreeHash root1, TreeHash root2) {
        verifyConsistency(size1, size2, proof.stream().map(TreeHash::toBytes).toList(), root1.toBytes(), root2.toBytes());
    }

    private static void requireConsistencySizes(long size1, long size2, int proofLength) {
        if (size1 < 0 || size2 < 0) {
            throw new InvalidProof("tree sizes are non-negative (%d, %d)".formatted(size1, size2));
        }
        if (size2 < size1) {
            throw new InvalidProof("size2 %d is smaller than size1 %d".formatted(size2, size1));
        }
        if (size1 == 0) {
            throw new InvalidProof("a consistency proof from the empty tree proves nothing");
        }
        if (size1 == size2 && proofLength > 0) {
            throw new InvalidProof("trees of equal size need an empty proof (found %d hashes)".formatted(proofLength));
        }
        if (size1 < size2 && proofLength == 0) {
            throw new InvalidProof("a consistency proof from %d to %d cannot be empty".formatted(size1, size2));
        }
    }

    /** The second root the proof computes, after checking that it also computes {@code root1}. */
    private static TreeHash rootFromConsistencyProof(long size1, long size2, List<TreeHash> proof, byte[] root1) {
        int inner = innerProofSize(size1 - 1, size2);
        int border = Long.bitCount((size1 - 1) >>> inner);
        int shift = Long.numberOfTrailingZeros(size1);
        inner -= shift;
        // A power-of-two size1 is a complete subtree the verifier already knows (its root): the
        // proof leaves it out. Otherwise the proof starts with the root of size1's rightmost
        // complete subtree.
        boolean perfect = size1 == 1L << shift;
        int start = perfect ? 0 : 1;
        if (proof.size() != start + inner + border) {
            throw new InvalidProof("a consistency proof from %d to %d has %d hashes (found %d)"
                    .formatted(size1, size2, start + inner + border, proof.size()));
        }
        TreeHash seed;
        if (perfect) {
            if (root1.length != TreeHash.LENGTH) {
                throw new InvalidProof("the first root has %d bytes, not 32".formatted(root1.length));
            }
            seed = TreeHash.of(root1);
        } else {
            seed = proof.getFirst();
        }
        List<TreeHash> path = proof.subList(start, proof.size());
        long mask = (size1 - 1) >>> shift;
        TreeHash hash1 = chainInnerRight(seed, path.subList(0, inner), mask);
        hash1 = chainBorderRight(hash1, path.subList(inner, path.size()));
        requireMatch(hash1, root1, "consistency proof (first root)");
        TreeHash hash2 = chainInner(seed, path.subList(0, inner), mask);
        return chainBorderRight(hash2, path.subList(inner, path.size()));
    }

    /** The height at which the paths to leaves {@code index} and {@code size - 1} meet. */
    static int innerProofSize(long index, long size) {
        return 64 - Long.numberOfLeadingZeros(index ^ (size - 1));
    }

    private static TreeHash chainInner(TreeHash seed, List<TreeHash> proof, long index) {
        for (int i = 0; i < proof.size(); i++) {
            seed = ((index >>> i) & 1) == 0 ? Rfc6962.nodeHash(seed, proof.get(i)) : Rfc6962.nodeHash(proof.get(i), seed);
        }
        return seed;
    }

    /** Like {@link #chainInner}, but only left siblings count: the root of the older, smaller tree. */
    private static TreeHash chainInnerRight(TreeHash seed, List<TreeHash> proof, long index) {
        for (int i = 0; i < proof.size(); i++) {
            if (((index >>> i) & 1) == 1) {
                seed = Rfc6962.nodeHash(proof.get(i), seed);
            }
        }
        return seed;
    }

    private static TreeHash chainBorderRight(TreeHash seed, List<TreeHash> proof) {
        for (TreeHash h : proof) {
            seed = Rfc6962.nodeHash(h, seed);
        }
        return seed;
    }

    private static void requireMatch(TreeHash computed, byte[] expected, String what) {
        if (!computed.matches(expected)) {
            throw new InvalidProof("%s computes root %s, not the expected %s"
                    .formatted(what, computed.base64(), Base64.getEncoder().encodeToString(expected)));
        }
    }

    private static TreeHash hash(byte[] bytes, String what) {
        Objects.requireNonNull(bytes, what);
        if (bytes.length != TreeHash.LENGTH) {
            throw new InvalidProof("the %s has %d bytes, not 32".formatted(what, bytes.length));
        }
        return TreeHash.of(bytes);
    }

    private static List<TreeHash> hashes(List<byte[]> proof) {
        Objects.requireNonNull(proof, "proof");
        List<TreeHash> hashes = new ArrayList<>(proof.size());
        for (int i = 0; i < proof.size(); i++) {
            hashes.add(hash(proof.get(i), "proof hash " + i));
        }
        return hashes;
    }
}
