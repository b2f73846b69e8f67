package io.timestore.audit.tlog;

import java.util.Objects;

/** A complete node of a log's tree and its hash. */
public record Node(NodeId id, TreeHash hash) {
    public Node {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(hash, "hash");
    }
}
