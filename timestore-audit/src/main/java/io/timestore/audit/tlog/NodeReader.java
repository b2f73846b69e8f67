package io.timestore.audit.tlog;

import java.util.List;

/**
 * Read access to the stored complete nodes of one log's tree (one tenant's partition). A store
 * holds, for every level, the hash of each node whose leaves have all been appended; nodes are
 * written once and never change (see {@link NodeStore}).
 *
 * <p>Proofs and roots for any tree size up to the stored size read at most about {@code 2 log2(n)}
 * nodes, in one call, so an implementation backed by a database should fetch them in one round
 * trip. Implementations say whether they are thread-safe.
 */
public interface NodeReader {
    /**
     * The hashes of the nodes {@code ids}, in the same order (an id may repeat).
     *
     * @throws MissingNodes naming the first id the store does not hold (a tree size beyond the
     *                      stored one, or a damaged store); never returns null entries
     */
    List<TreeHash> read(List<NodeId> ids);
}
