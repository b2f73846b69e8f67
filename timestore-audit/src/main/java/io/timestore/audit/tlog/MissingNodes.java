package io.timestore.audit.tlog;

/**
 * A node a proof or root needs is not in the store: the requested tree size is beyond what was
 * stored, or nodes were lost. Names the node, never tenant data.
 */
public final class MissingNodes extends RuntimeException {
    private final NodeId first;

    public MissingNodes(NodeId first) {
        super("the tree store holds no node at level %d, index %d".formatted(first.level(), first.index()));
        this.first = first;
    }

    /** The first missing node that was asked for. */
    public NodeId first() {
        return first;
    }
}
