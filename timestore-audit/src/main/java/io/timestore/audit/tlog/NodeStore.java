package io.timestore.audit.tlog;

import java.util.List;

/**
 * A log's node storage: {@link NodeReader} plus writing the nodes that {@link CompactRange#append}
 * reports as complete. {@link PostgresNodeStore} keeps one row per node keyed by
 * {@code (tenant_id, level, idx)}, written in the sealing transaction, readable and insertable by
 * the runtime role only (no UPDATE, no DELETE); {@link InMemoryNodeStore} is for tests.
 */
public interface NodeStore extends NodeReader {
    /**
     * Stores {@code nodes}. Writing a node that is already stored with the same hash is a no-op (a
     * retried seal); with a different hash it is refused, and nothing of this call may take effect
     * (a transactional store leaves that to the caller's rollback, which must follow).
     *
     * @throws NodeConflict if a node is already stored with a different hash
     */
    void write(List<Node> nodes);
}
