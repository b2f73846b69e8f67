package io.timestore.audit.tlog;

/**
 * The address of a node of a log's Merkle tree: its level (0 for leaves) and its index within the
 * level, counted from 0 on the left. The node covers leaves {@code [index * 2^level,
 * (index + 1) * 2^level)}. Once the tree holds all of those leaves the node's hash never changes;
 * only such complete ("full") nodes are ever stored.
 * <pre>
 *   L2:   ┌───0───┐       ┌───1 ...
 *   L1:  ┌0┐     ┌1┐     ┌2┐
 *   L0:  0 1     2 3     4 5 ...
 * </pre>
 *
 * @param level 0 to 62
 * @param index non-negative, small enough that the covered leaves lie below {@code Long.MAX_VALUE},
 *              the largest tree size
 */
public record NodeId(int level, long index) {
    /** The highest level a tree of fewer than 2^63 leaves can hold a node at. */
    public static final int MAX_LEVEL = 62;

    public NodeId {
        if (level < 0 || level > MAX_LEVEL) {
            throw new IllegalArgumentException("a node level is 0 to %d (found %d)".formatted(MAX_LEVEL, level));
        }
        if (index < 0 || index >= (Long.MAX_VALUE >>> level)) {
            throw new IllegalArgumentException("node index %d is out of range for level %d".formatted(index, level));
        }
    }

    /** The leaf with index {@code index}. */
    public static NodeId leaf(long index) {
        return new NodeId(0, index);
    }

    public NodeId parent() {
        return new NodeId(level + 1, index >>> 1);
    }

    public NodeId sibling() {
        return new NodeId(level, index ^ 1);
    }

    /** The first leaf the node covers. */
    public long begin() {
        return index << level;
    }

    /** One past the last leaf the node covers (exceeds a tree's size if the node is incomplete in it). */
    public long end() {
        return (index + 1) << level;
    }
}
