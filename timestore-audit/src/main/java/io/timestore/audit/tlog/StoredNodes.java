package io.timestore.audit.tlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Objects;

/**
 * A partition's stored tree nodes read one at a time, in the order appending leaves completes
 * them (post-order: a node right after the last leaf it covers, parents after children), from both
 * places {@link PostgresNodeStore} keeps them: first the rows of {@code audit_tree_nodes} (the
 * nodes of events sealed before the tree existed and of seals retention deleted, all of which come
 * before any seal that carries its nodes), then the nodes carried by the seals in seq order. For a
 * verifier, which needs every node of a tree of millions of leaves with memory to spare: two plain
 * index walks in sequence, not a sort of their union. Not thread-safe; close it.
 */
public final class StoredNodes implements AutoCloseable {
    private static final String ROWS = """
            SELECT level, idx, hash FROM audit_tree_nodes WHERE tenant_id = ? ORDER BY (idx + 1) << level::int, level
            """;
    private static final String LEAF_ROWS = """
            SELECT level, idx, hash FROM audit_tree_nodes WHERE tenant_id = ? AND level = 0 AND idx >= ? ORDER BY idx
            """;
    private static final String SEALS = """
            SELECT seq, tree_hashes FROM audit_seals WHERE tenant_id = ? AND seq > ? AND tree_hashes IS NOT NULL ORDER BY seq
            """;
    private static final int FETCH = 10_000;

    private final Connection snapshot;
    private final String tenantId;
    private final long fromIndex;
    private final boolean leavesOnly;
    private PreparedStatement statement;
    private ResultSet rows;
    private boolean inSeals;
    private long seq;
    private byte[] sealHashes;
    private int sealLevel;
    private int sealLevels;

    private StoredNodes(Connection snapshot, String tenantId, long fromIndex, boolean leavesOnly) throws SQLException {
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.tenantId = Objects.requireNonNull(tenantId, "tenantId");
        this.fromIndex = fromIndex;
        this.leavesOnly = leavesOnly;
        open(leavesOnly ? LEAF_ROWS : ROWS);
        if (leavesOnly) {
            statement.setLong(2, fromIndex);
        }
        rows = statement.executeQuery();
    }

    /** Every stored node of {@code tenantId}'s tree, in completion order. */
    public static StoredNodes all(Connection snapshot, String tenantId) throws SQLException {
        return new StoredNodes(snapshot, tenantId, 0, false);
    }

    /** The stored leaves of {@code tenantId}'s tree from leaf index {@code fromIndex} on, in index order. */
    public static StoredNodes leaves(Connection snapshot, String tenantId, long fromIndex) throws SQLException {
        return new StoredNodes(snapshot, tenantId, Math.max(0, fromIndex), true);
    }

    /** The next node, or null when there are no more. */
    public Node next() throws SQLException {
        while (true) {
            if (!inSeals) {
                if (rows.next()) {
                    return new Node(new NodeId(rows.getInt(1), rows.getLong(2)), TreeHash.of(rows.getBytes(3)));
                }
                rows.close();
                statement.close();
                inSeals = true;
                open(SEALS);
                statement.setLong(2, leavesOnly ? fromIndex : 0);
                rows = statement.executeQuery();
            }
            if (sealHashes != null && sealLevel < sealLevels) {
                int level = sealLevel++;
                var id = new NodeId(level, (seq >> level) - 1);
                return new Node(id, TreeHash.of(Arrays.copyOfRange(sealHashes, TreeHash.LENGTH * level, TreeHash.LENGTH * (level + 1))));
            }
            if (!rows.next()) {
                return null;
            }
            seq = rows.getLong(1);
            sealHashes = rows.getBytes(2);
            sealLevel = 0;
            sealLevels = leavesOnly ? 1 : sealHashes.length / TreeHash.LENGTH;
        }
    }

    private void open(String sql) throws SQLException {
        statement = snapshot.prepareStatement(sql);
        statement.setFetchSize(FETCH);
        statement.setString(1, tenantId);
    }

    @Override
    public void close() throws SQLException {
        try {
            if (rows != null) {
                rows.close();
            }
        } finally {
            statement.close();
        }
    }
}
