package io.timestore.server.auditapi;

import io.timestore.audit.tlog.NodeId;
import io.timestore.audit.tlog.NodeReader;
import io.timestore.audit.tlog.TreeHash;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads one leaf's hash along with the first nodes asked of it: an inclusion proof's nodes and the
 * hash of the leaf it proves in one statement, instead of a second round trip for the leaf. Not
 * thread-safe: one proof, one thread.
 */
final class LeafAlongside implements NodeReader {
    private final NodeReader nodes;
    private final NodeId leafId;
    private TreeHash leaf;

    LeafAlongside(NodeReader nodes, NodeId leafId) {
        this.nodes = Objects.requireNonNull(nodes, "nodes");
        this.leafId = Objects.requireNonNull(leafId, "leafId");
    }

    @Override
    public List<TreeHash> read(List<NodeId> ids) {
        if (leaf != null) {
            return nodes.read(ids);
        }
        var asked = new ArrayList<NodeId>(ids.size() + 1);
        asked.addAll(ids);
        asked.add(leafId);
        var hashes = nodes.read(asked);
        leaf = hashes.getLast();
        return hashes.subList(0, ids.size());
    }

    /** The leaf's hash: read with the first nodes, or on its own when no nodes were read (a tree of one leaf). */
    TreeHash leaf() {
        if (leaf == null) {
            leaf = nodes.read(List.of(leafId)).getFirst();
        }
        return leaf;
    }
}
