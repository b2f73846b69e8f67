package io.timestore.audit.tlog;

/**
 * A complete node was written again with a different hash. Complete nodes never change, so this is
 * either a sequencer bug (two writers) or tampering: the write must fail, never overwrite.
 */
public final class NodeConflict extends RuntimeException {
    public NodeConflict(NodeId id) {
        super("node at level %d, index %d is already stored with a different hash".formatted(id.level(), id.index()));
    }
}
