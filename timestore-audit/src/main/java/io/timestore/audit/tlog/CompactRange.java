package io.timestore.audit.tlog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The right edge of a log's Merkle tree of {@code size} leaves: the roots of its complete subtrees,
 * largest (leftmost) first, one per one bit of {@code size}. It is all a sequencer needs to keep to
 * extend the tree and compute its root: {@link #append} adds a leaf and reports every node that
 * became complete, which the sequencer stores (see {@link NodeStore}); {@link #read} rebuilds the
 * range from stored nodes, so it need not be kept anywhere else. Immutable and thread-safe.
 *
 * @param size   the number of leaves, {@code >= 0}
 * @param hashes the subtree roots, exactly {@code Long.bitCount(size)} of them
 */
public record CompactRange(long size, List<TreeHash> hashes) {
    public CompactRange {
        if (size < 0) {
            throw new IllegalArgumentException("a tree size is non-negative (found " + size + ")");
        }
        hashes = List.copyOf(hashes);
        if (hashes.size() != Long.bitCount(size)) {
            throw new IllegalArgumentException("the compact range of size %d has %d hashes (found %d)"
                    .formatted(size, Long.bitCount(size), hashes.size()));
        }
    }

    /** What {@link #append} produced: the extended range and the nodes that became complete. */
    public record Appended(CompactRange range, List<Node> completed) {
        public Appended {
            Objects.requireNonNull(range, "range");
            completed = List.copyOf(completed);
        }

        /**
         * For each appended leaf, in order, the hashes it completed concatenated: its own hash, then
         * one per node it completed, lowest level first (level {@code l} at bytes {@code 32 * l}).
         * What the seal of that leaf carries (audit schema version 7, {@link PostgresNodeStore}).
         */
        public List<byte[]> hashesByLeaf() {
            List<byte[]> shares = new ArrayList<>();
            int from = 0;
            for (int i = 1; i <= completed.size(); i++) {
                // A leaf (level 0) opens the next share.
                if (i == completed.size() || completed.get(i).id().level() == 0) {
                    byte[] hashes = new byte[TreeHash.LENGTH * (i - from)];
                    for (int j = from; j < i; j++) {
                        System.arraycopy(completed.get(j).hash().toBytes(), 0, hashes, TreeHash.LENGTH * (j - from), TreeHash.LENGTH);
                    }
                    shares.add(hashes);
                    from = i;
                }
            }
            return shares;
        }
    }

    /** The range of the empty tree. */
    public static CompactRange empty() {
        return new CompactRange(0, List.of());
    }

    /**
     * Reads the range of the tree of {@code size} leaves from stored nodes (at most 63 of them, in
     * one call to {@code nodes}).
     *
     * @throws MissingNodes if the store lacks one of them
     */
    public static CompactRange read(NodeReader nodes, long size) {
        List<NodeId> ids = ids(size);
        return new CompactRange(size, ids.isEmpty() ? List.of() : nodes.read(ids));
    }

    /** The ids of the subtree roots of the range of size {@code size}, in {@link #hashes} order. */
    public static List<NodeId> ids(long size) {
        List<NodeId> ids = new ArrayList<>(Long.bitCount(size));
        Ranges.appendNodes(0, size, ids);
        return ids;
    }

    /**
     * Appends one leaf: the leaf itself (level 0) and every node it completes are reported, lowest
     * first, each exactly once over the life of the log.
     *
     * @throws IllegalStateException if the tree already holds 2^63 - 1 leaves
     */
    public Appended append(TreeHash leafHash) {
        return appendAll(List.of(leafHash));
    }

    /** Appends the leaves in order, as repeated {@link #append} would, reporting all completed nodes. */
    public Appended appendAll(List<TreeHash> leafHashes) {
        List<Node> completed = new ArrayList<>(leafHashes.size() * 2);
        var range = extend(leafHashes, (leaf, level, hash) -> completed.add(new Node(new NodeId(level, leaf >>> level), hash)));
        return new Appended(range, completed);
    }

    /**
     * What {@link #appendForSeals} produced: the extended range and, for each appended leaf in
     * order, the shares {@link Appended#hashesByLeaf} would give.
     */
    public record Shared(CompactRange range, List<byte[]> hashesByLeaf) {
        public Shared {
            Objects.requireNonNull(range, "range");
            hashesByLeaf = List.copyOf(hashesByLeaf);
        }
    }

    /**
     * Appends the leaves in order, as {@link #appendAll} does, and returns what the seals of those
     * leaves carry ({@link Appended#hashesByLeaf}), written straight into one array per leaf: the
     * sequencer's path, without a {@link Node} per completed node. Leaf {@code n} completes one
     * node per trailing one bit of {@code n}, so its share has {@code 1 + trailing ones} hashes.
     */
    public Shared appendForSeals(List<TreeHash> leafHashes) {
        byte[][] shares = new byte[leafHashes.size()][];
        long first = size;
        var range = extend(leafHashes, (leaf, level, hash) -> {
            int i = (int) (leaf - first);
            if (level == 0) {
                shares[i] = new byte[TreeHash.LENGTH * (1 + Long.numberOfTrailingZeros(~leaf))];
            }
            hash.copyTo(shares[i], TreeHash.LENGTH * level);
        });
        return new Shared(range, Arrays.asList(shares));
    }

    /** Receives each completed node: the index of the leaf that completed it, its level, its hash. */
    @FunctionalInterface
    private interface Completion {
        void completed(long leaf, int level, TreeHash hash);
    }

    /** The one appending loop: hashes with one digest and reports each completed node, lowest first. */
    private CompactRange extend(List<TreeHash> leafHashes, Completion completion) {
        if (leafHashes.size() > Long.MAX_VALUE - size) {
            throw new IllegalStateException("the tree is full");
        }
        var hasher = new Rfc6962.Hasher();
        List<TreeHash> edge = new ArrayList<>(hashes);
        long end = size;
        for (TreeHash leaf : leafHashes) {
            TreeHash seed = Objects.requireNonNull(leaf, "leafHash");
            completion.completed(end, 0, seed);
            // Each one bit at the bottom of the old size is a complete left neighbour to merge with.
            int level = 0;
            for (long index = end; (index & 1) == 1; index >>>= 1) {
                seed = hasher.nodeHash(edge.removeLast(), seed);
                completion.completed(end, ++level, seed);
            }
            edge.add(seed);
            end++;
        }
        return new CompactRange(end, edge);
    }

    /** The root hash of the tree of {@link #size} leaves ({@link Rfc6962#EMPTY_ROOT} when empty). */
    public TreeHash root() {
        return fold(hashes);
    }

    /** Folds compact-range hashes (left to right) into the root of the tree they cover. */
    static TreeHash fold(List<TreeHash> hashes) {
        if (hashes.isEmpty()) {
            return Rfc6962.EMPTY_ROOT;
        }
        TreeHash root = hashes.getLast();
        for (int i = hashes.size() - 2; i >= 0; i--) {
            root = Rfc6962.nodeHash(hashes.get(i), root);
        }
        return root;
    }
}
