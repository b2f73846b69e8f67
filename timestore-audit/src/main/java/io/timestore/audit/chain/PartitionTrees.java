package io.timestore.audit.chain;

import io.timestore.audit.AuditJson;
import io.timestore.audit.CanonicalEncoding;
import io.timestore.audit.tlog.CompactRange;
import io.timestore.audit.tlog.PostgresNodeStore;
import io.timestore.audit.tlog.Rfc6962;
import io.timestore.audit.tlog.TreeHash;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Merkle trees of the partitions (docs/transparency-log.md §1), extended in each sealing
 * transaction: leaf {@code seq - 1} is {@code SHA-256(0x00 || canonical bytes)} of the event sealed
 * at {@code seq}, and every node a batch completes travels in the seal of the leaf that completed
 * it ({@link Extension}; read back through {@link PostgresNodeStore}). The leader keeps each partition's compact range (its right edge, at most 63 hashes) in
 * memory and reads it back from the stored nodes when it takes the lead or after a failed step.
 *
 * <p>A partition sealed before the tree existed (audit schema version 5) has fewer leaves than
 * seals: its tree is built, in the step's transaction, from the sealed events in seq order, and
 * those nodes are stored as rows (their seals are never updated). That
 * needs every sealed event since the tree's end; when retention purged some of them before the
 * tree was built, the step fails and says so (the partition cannot get a tree whose leaf index is
 * {@code seq - 1}).
 *
 * <p>Leader state: used from the sequencer's thread only.
 */
final class PartitionTrees {
    private static final int BUILD_CHUNK = 10_000;
    private static final String SEALED_EVENTS = """
            SELECT s.seq, e.event::text FROM audit_seals s
            LEFT JOIN audit_events e ON e.tenant_id = s.tenant_id AND e.event_id = s.event_id
            WHERE s.tenant_id = ? AND s.seq > ? AND s.seq <= ? ORDER BY s.seq
            """;

    private final AuditJson json;
    private final CanonicalEncoding encoding = new CanonicalEncoding();
    /** Per partition: the compact range as of this leader's last committed step. */
    private final Map<String, CompactRange> ranges = new HashMap<>();

    PartitionTrees(AuditJson json) {
        this.json = Objects.requireNonNull(json, "json");
    }

    /**
     * The compact range of {@code tenant}'s tree of {@code size} leaves (its chain head's seq), in
     * the caller's transaction on the platform path: cached, or read from the stored nodes, or
     * built from the sealed events where the stored tree ends short of {@code size}.
     *
     * @throws IllegalStateException if the stored tree is longer than the chain, or cannot be built
     */
    CompactRange range(Connection transaction, String tenant, long size) throws SQLException {
        CompactRange cached = ranges.get(tenant);
        if (cached != null && cached.size() == size) {
            return cached;
        }
        var store = new PostgresNodeStore(transaction, tenant);
        long stored = store.leafCount();
        if (stored > size) {
            throw new IllegalStateException("the Merkle tree of %s has %d leaves but its chain only %d events"
                    .formatted(tenant, stored, size));
        }
        CompactRange range = CompactRange.read(store, stored);
        return stored == size ? range : build(transaction, store, tenant, range, size);
    }

    /**
     * What sealing a batch adds to a partition's tree: the extended range, and for each sealed
     * event (in seal order) the hashes its seal carries in {@code audit_seals.tree_hashes} (audit
     * schema version 7): its leaf hash, then the hash of every node its leaf completed, lowest
     * level first.
     */
    record Extension(CompactRange range, List<byte[]> sealHashes) {}

    /**
     * Appends the leaves of {@code canonical} (in seal order). Nothing is written here: the nodes
     * travel in the seal rows the caller inserts in the same transaction.
     */
    static Extension extend(CompactRange range, List<byte[]> canonical) {
        var hasher = new Rfc6962.Hasher();
        List<TreeHash> leaves = new ArrayList<>(canonical.size());
        for (byte[] bytes : canonical) {
            leaves.add(hasher.leafHash(bytes));
        }
        var appended = range.appendForSeals(leaves);
        return new Extension(appended.range(), appended.hashesByLeaf());
    }

    /** The step that extended {@code tenant}'s tree to {@code range} committed. */
    void committed(String tenant, CompactRange range) {
        ranges.put(tenant, range);
    }

    /** The step of {@code tenant} failed: read its range from the stored nodes next time. */
    void forget(String tenant) {
        ranges.remove(tenant);
    }

    /** Forgets every range (the lead was taken or lost). */
    void clear() {
        ranges.clear();
    }

    private CompactRange build(Connection transaction, PostgresNodeStore store, String tenant, CompactRange from, long size)
            throws SQLException {
        CompactRange range = from;
        List<TreeHash> leaves = new ArrayList<>();
        try (var statement = transaction.prepareStatement(SEALED_EVENTS)) {
            statement.setFetchSize(BUILD_CHUNK);
            statement.setString(1, tenant);
            statement.setLong(2, from.size());
            statement.setLong(3, size);
            try (var rows = statement.executeQuery()) {
                long expected = from.size() + 1;
                while (rows.next()) {
                    long seq = rows.getLong(1);
                    String event = rows.getString(2);
                    if (seq != expected || event == null) {
                        throw new IllegalStateException(("cannot build the Merkle tree of %s: the event sealed at seq %d is missing "
                                + "(purged before the tree existed?)").formatted(tenant, expected));
                    }
                    encoding.write(json.read(event));
                    leaves.add(Rfc6962.leafHash(java.util.Arrays.copyOf(encoding.buffer(), encoding.length())));
                    expected++;
                    if (leaves.size() == BUILD_CHUNK) {
                        range = append(store, range, leaves);
                    }
                }
            }
        }
        range = append(store, range, leaves);
        if (range.size() != size) {
            throw new IllegalStateException("cannot build the Merkle tree of %s: the events sealed after seq %d are missing"
                    .formatted(tenant, range.size()));
        }
        return range;
    }

    private static CompactRange append(PostgresNodeStore store, CompactRange range, List<TreeHash> leaves) {
        var appended = range.appendAll(leaves);
        store.write(appended.completed());
        leaves.clear();
        return appended.range();
    }
}
