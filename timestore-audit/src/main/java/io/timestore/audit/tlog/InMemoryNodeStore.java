package io.timestore.audit.tlog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link NodeStore} in a map, for tests and tools that build a tree from leaves they hold anyway.
 * Thread-safe (every method holds the store's lock, so a write is all-or-nothing).
 */
public final class InMemoryNodeStore implements NodeStore {
    private final Map<NodeId, TreeHash> nodes = new HashMap<>();

    @Override
    public synchronized List<TreeHash> read(List<NodeId> ids) {
        List<TreeHash> hashes = new ArrayList<>(ids.size());
        for (NodeId id : ids) {
            TreeHash hash = nodes.get(id);
            if (hash == null) {
                throw new MissingNodes(id);
            }
            hashes.add(hash);
        }
        return hashes;
    }

    @Override
    public synchronized void write(List<Node> written) {
        Map<NodeId, TreeHash> batch = new HashMap<>();
        for (Node node : written) {
            TreeHash stored = nodes.getOrDefault(node.id(), batch.get(node.id()));
            if (stored != null && !stored.equals(node.hash())) {
                throw new NodeConflict(node.id());
            }
            batch.put(node.id(), node.hash());
        }
        nodes.putAll(batch);
    }

    /** How many nodes are stored. */
    public synchronized int size() {
        return nodes.size();
    }
}
