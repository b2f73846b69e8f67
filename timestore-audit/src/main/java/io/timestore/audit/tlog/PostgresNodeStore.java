package io.timestore.audit.tlog;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One partition's {@link NodeStore} in PostgreSQL ({@code io.timestore.audit.store.AuditSchema}),
 * inside the caller's transaction. A node is stored in one of two places: in the seal of the leaf
 * that completed it ({@code audit_seals.tree_hashes}, audit schema version 7, written by the
 * sequencer with the seal), or as a row of {@code audit_tree_nodes} (version 5: the nodes built for
 * events sealed before the tree existed, and those retention copied out of the seals it deleted).
 * Reads look in both; {@link #write} writes rows. In
 * the caller's transaction: the caller has set the transaction's {@code app.tenant_id} to the
 * partition, or {@code app.platform} to {@code on} (the sequencer), so row-level security applies.
 * A read is one statement, whatever the number of nodes; a write is one statement.
 *
 * <p>{@link #write} inserts with {@code ON CONFLICT DO NOTHING} and, in the same statement, finds
 * stored nodes whose hash differs: it then throws {@link NodeConflict}, and the caller must roll
 * the transaction back (as on any failure in a sealing transaction). Not thread-safe: one
 * transaction, one thread.
 */
public final class PostgresNodeStore implements NodeStore {
    // The newest seal that carries tree hashes is found by walking the primary key backwards.
    // LEAF_COUNT and READ are public so a benchmark can EXPLAIN the statements the routes run:
    // LEAF_COUNT takes the partition twice, READ levels, indexes, carrying seqs and the partition twice.
    public static final String LEAF_COUNT = """
            SELECT greatest(
                (SELECT coalesce(max(idx) + 1, 0) FROM audit_tree_nodes WHERE tenant_id = ? AND level = 0),
                (SELECT coalesce(max(seq), 0) FROM audit_seals WHERE tenant_id = ? AND tree_hashes IS NOT NULL))
            """;
    // tenant_id is repeated although RLS filters on it: the planner can then use the primary keys,
    // and the query stays correct if a policy were ever dropped. Node (level, idx) was completed by
    // the leaf of seq (idx + 1) << level, whose seal carries it at bytes 32 * level + 1 onwards.
    // That seq is computed here and passed in: under row-level security only leakproof join
    // conditions reach an index, and + and << are not (they can fail on overflow), so joining on
    // the expression made PostgreSQL hash-join every seal of the partition (2.4 s at 10M seals).
    public static final String READ = """
            SELECT coalesce(t.hash, substring(s.tree_hashes FROM 32 * n.level + 1 FOR 32))
            FROM unnest(?::int2[], ?::int8[], ?::int8[]) WITH ORDINALITY AS n(level, idx, seq, position)
            LEFT JOIN audit_tree_nodes t ON t.tenant_id = ? AND t.level = n.level AND t.idx = n.idx
            LEFT JOIN audit_seals s ON s.tenant_id = ? AND s.seq = n.seq AND octet_length(s.tree_hashes) > 32 * n.level
            ORDER BY n.position
            """;
    private static final String READ_THEN_COMMIT = READ + ";\nCOMMIT";
    // The outer SELECT sees the table as it was before this statement's INSERT: exactly the nodes
    // that were stored already, of which it returns those stored with another hash.
    private static final String WRITE = """
            WITH input AS (
                SELECT * FROM unnest(?::int2[], ?::int8[], ?::bytea[]) AS n(level, idx, hash)
            ), inserted AS (
                INSERT INTO audit_tree_nodes (tenant_id, level, idx, hash)
                SELECT ?, level, idx, hash FROM input
                ON CONFLICT (tenant_id, level, idx) DO NOTHING
                RETURNING level, idx
            )
            SELECT i.level, i.idx FROM input i
            JOIN audit_tree_nodes t ON t.tenant_id = ? AND t.level = i.level AND t.idx = i.idx
            WHERE t.hash <> i.hash
            LIMIT 1
            """;

    private final Connection transaction;
    private final String tenantId;

    /** The store of partition {@code tenantId}, working in {@code transaction}. */
    public PostgresNodeStore(Connection transaction, String tenantId) {
        this.transaction = Objects.requireNonNull(transaction, "transaction");
        this.tenantId = Objects.requireNonNull(tenantId, "tenantId");
    }

    /**
     * The number of leaves stored for the partition: one more than the highest leaf index, 0 for
     * none. Leaves are written in order, so this is the size of the stored tree.
     */
    public long leafCount() {
        try (var statement = transaction.prepareStatement(LEAF_COUNT)) {
            statement.setString(1, tenantId);
            statement.setString(2, tenantId);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new NodeStoreUnavailable("reading the tree size failed (SQLState " + e.getSQLState() + ")", e);
        }
    }

    @Override
    public List<TreeHash> read(List<NodeId> ids) {
        return read(ids, READ);
    }

    /**
     * A reader of partition {@code tenantId} whose one read also ends {@code transaction}: the
     * driver sends {@link #READ} and a COMMIT in one execution, and the caller's {@code commit()}
     * then finds nothing left to send (the driver skips it once the transaction has ended). For
     * read-only routes whose last statement is a proof's nodes: one round trip fewer on each proof.
     * A second read that would send a statement is refused: it would run after the COMMIT, outside
     * the transaction and its settings. Not thread-safe.
     */
    public static NodeReader lastReadIn(Connection transaction, String tenantId) {
        var store = new PostgresNodeStore(transaction, tenantId);
        return new NodeReader() {
            private boolean sent;

            @Override
            public List<TreeHash> read(List<NodeId> ids) {
                if (ids.isEmpty()) {
                    return List.of();
                }
                if (sent) {
                    throw new IllegalStateException("the transaction was committed with this reader's first read");
                }
                sent = true;
                return store.read(ids, READ_THEN_COMMIT);
            }
        };
    }

    /** The nodes {@code ids} by {@code sql}: {@link #READ}, possibly followed by statements that return no rows. */
    private List<TreeHash> read(List<NodeId> ids, String sql) {
        if (ids.isEmpty()) {
            return List.of();
        }
        try (var statement = transaction.prepareStatement(sql)) {
            statement.setArray(1, levels(ids.stream().map(NodeId::level).toList()));
            statement.setArray(2, transaction.createArrayOf("int8", ids.stream().map(NodeId::index).toArray()));
            statement.setArray(3, transaction.createArrayOf("int8", ids.stream().map(PostgresNodeStore::carryingSeq).toArray()));
            statement.setString(4, tenantId);
            statement.setString(5, tenantId);
            // Every row is read before the statement's end: a COMMIT sent with the SELECT closes its
            // portal, so a fetch size from the connection (defaultRowFetchSize in the URL) would
            // leave the rows past the first chunk unreadable ("portal does not exist").
            statement.setFetchSize(0);
            statement.execute(); // the SELECT's rows come first; the results of what follows are not read
            List<TreeHash> hashes = new ArrayList<>(ids.size());
            try (var rows = statement.getResultSet()) {
                while (rows.next()) {
                    byte[] hash = rows.getBytes(1);
                    if (hash == null) {
                        throw new MissingNodes(ids.get(hashes.size()));
                    }
                    hashes.add(TreeHash.of(hash));
                }
            }
            return hashes;
        } catch (SQLException e) {
            throw new NodeStoreUnavailable("reading tree nodes failed (SQLState " + e.getSQLState() + ")", e);
        }
    }

    @Override
    public void write(List<Node> nodes) {
        if (nodes.isEmpty()) {
            return;
        }
        try (var statement = transaction.prepareStatement(WRITE)) {
            statement.setArray(1, levels(nodes.stream().map(n -> n.id().level()).toList()));
            statement.setArray(2, transaction.createArrayOf("int8", nodes.stream().map(n -> n.id().index()).toArray()));
            statement.setArray(3, transaction.createArrayOf("bytea", nodes.stream().map(n -> n.hash().toBytes()).toArray(byte[][]::new)));
            statement.setString(4, tenantId);
            statement.setString(5, tenantId);
            try (var rows = statement.executeQuery()) {
                if (rows.next()) {
                    throw new NodeConflict(new NodeId(rows.getInt(1), rows.getLong(2)));
                }
            }
        } catch (SQLException e) {
            throw new NodeStoreUnavailable("writing tree nodes failed (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /** The seq of the seal that carries node {@code id}: that of the leaf that completed it. */
    static long carryingSeq(NodeId id) {
        return (id.index() + 1) << id.level();
    }

    private Array levels(List<Integer> levels) throws SQLException {
        return transaction.createArrayOf("int2", levels.stream().map(Integer::shortValue).toArray());
    }
}
