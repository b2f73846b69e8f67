package io.timestore.audit.verify;

import io.timestore.audit.AuditJson;
import io.timestore.audit.CanonicalEncoding;
import io.timestore.audit.tlog.CompactRange;
import io.timestore.audit.tlog.InvalidNote;
import io.timestore.audit.tlog.MissingNodes;
import io.timestore.audit.tlog.Node;
import io.timestore.audit.tlog.NodeId;
import io.timestore.audit.tlog.Note;
import io.timestore.audit.tlog.NoteVerifierKey;
import io.timestore.audit.tlog.NoteVerifiers;
import io.timestore.audit.tlog.PostgresNodeStore;
import io.timestore.audit.tlog.PostgresTreeCheckpoints;
import io.timestore.audit.tlog.Rfc6962;
import io.timestore.audit.tlog.StoredNodes;
import io.timestore.audit.tlog.TreeCheckpoint;
import io.timestore.audit.tlog.TreeHash;
import io.timestore.audit.tlog.TreeProofs;
import io.timestore.audit.verify.VerificationResult.Reason;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * Checks a partition's stored Merkle tree (docs/transparency-log.md §1) against its events, after
 * its chain verified, in the same snapshot: every retained event's leaf is
 * {@code SHA-256(0x00 || canonical bytes)}; the tree has exactly the nodes a tree of the chain's
 * length has, and every interior node is {@code SHA-256(0x01 || left || right)} of its stored children
 * (so purged leaves stay covered by the nodes above them); and every signed tree checkpoint is a
 * valid note by a trusted key, names this partition's log, and signs the root the stored nodes give
 * for its size. Stateless.
 */
final class TreeVerification {
    // Two cursors merged in seq order rather than a join: both are plain index walks, whatever the
    // planner's statistics say about tables that grew by millions of rows since the last ANALYZE.
    private static final String EVENTS = """
            SELECT s.seq, e.event::text FROM audit_seals s
            LEFT JOIN audit_events e ON e.tenant_id = s.tenant_id AND e.event_id = s.event_id
            WHERE s.tenant_id = ? ORDER BY s.seq
            """;

    // A partition sealed before the trees existed (audit schema version 5) has neither a node (a row or
    // a seal's tree hashes) nor a
    // tree checkpoint until the sequencer builds its tree from its events (PartitionTrees), on its
    // first round after the upgrade. Once built, the tree and its checkpoints are never removed.
    private static final String UNBUILT = """
            SELECT NOT EXISTS (SELECT 1 FROM audit_tree_nodes WHERE tenant_id = ?)
               AND NOT EXISTS (SELECT 1 FROM audit_seals WHERE tenant_id = ? AND tree_hashes IS NOT NULL)
               AND NOT EXISTS (SELECT 1 FROM audit_tree_checkpoints WHERE tenant_id = ?)
            """;

    /** A finding: the reason, the seq it is reported at, and the explanation. */
    record Finding(Reason reason, long seq, String message) {}

    private final AuditJson json;

    TreeVerification(AuditJson json) {
        this.json = json;
    }

    /**
     * The first thing wrong with {@code tenantId}'s tree of {@code size} leaves (its verified chain
     * length) whose retained events start at {@code firstSeq}, or null when it is sound.
     */
    Finding check(Connection snapshot, String tenantId, long firstSeq, long size, Collection<PublicKey> keys) throws SQLException {
        Finding finding = leaves(snapshot, tenantId, firstSeq);
        if (finding == null) {
            finding = nodes(snapshot, tenantId, size);
        }
        if (finding == null) {
            finding = checkpoints(snapshot, tenantId, size, keys);
        }
        return finding;
    }

    /**
     * Whether {@code tenantId}'s tree was never built: no stored node and no signed tree checkpoint,
     * the state of a partition sealed before audit schema version 5 until the sequencer's next round.
     * Its chain alone is then the evidence; nothing signed about a tree exists that could disagree.
     */
    boolean unbuilt(Connection snapshot, String tenantId) throws SQLException {
        try (var statement = snapshot.prepareStatement(UNBUILT)) {
            statement.setString(1, tenantId);
            statement.setString(2, tenantId);
            statement.setString(3, tenantId);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }

    private Finding leaves(Connection snapshot, String tenantId, long firstSeq) throws SQLException {
        var encoding = new CanonicalEncoding();
        try (var events = snapshot.prepareStatement(EVENTS)) {
            events.setFetchSize(2000);
            events.setString(1, tenantId);
            try (var eventRows = events.executeQuery(); var leaves = StoredNodes.leaves(snapshot, tenantId, firstSeq - 1)) {
                while (eventRows.next()) {
                    long seq = eventRows.getLong(1);
                    Node stored = leaves.next();
                    if (stored == null || stored.id().index() != seq - 1) {
                        return new Finding(Reason.TREE_LEAF_MISMATCH, seq, "the tree has no leaf for the event sealed at seq %d".formatted(seq));
                    }
                    // The chain verified first: every sealed event is present and parses.
                    encoding.write(json.read(eventRows.getString(2)));
                    TreeHash leaf = Rfc6962.leafHash(Arrays.copyOf(encoding.buffer(), encoding.length()));
                    if (!leaf.equals(stored.hash())) {
                        return new Finding(Reason.TREE_LEAF_MISMATCH, seq,
                                "the tree's leaf %d is not SHA-256(0x00 || canonical bytes) of the event sealed at seq %d".formatted(seq - 1, seq));
                    }
                }
            }
        }
        return null;
    }

    /**
     * Rebuilds the tree from its stored leaves, in one pass over the stored nodes in the order
     * appending completes them: every interior node must be the hash of its stored children, no
     * node may be missing or extra, and the tree must have {@code size} leaves. Memory stays at
     * the compact range (a few dozen hashes), whatever the size.
     */
    private static Finding nodes(Connection snapshot, String tenantId, long size) throws SQLException {
        CompactRange range = CompactRange.empty();
        Iterator<Node> expected = Collections.emptyIterator();
        try (var stored = StoredNodes.all(snapshot, tenantId)) {
            for (Node node = stored.next(); node != null; node = stored.next()) {
                var id = node.id();
                TreeHash hash = node.hash();
                if (id.level() == 0) {
                    if (expected.hasNext() || id.index() != range.size()) {
                        return missing(expected.hasNext() ? expected.next().id() : NodeId.leaf(range.size()));
                    }
                    var appended = range.append(hash);
                    range = appended.range();
                    expected = appended.completed().subList(1, appended.completed().size()).iterator();
                } else {
                    if (!expected.hasNext()) {
                        return new Finding(Reason.TREE_INCOMPLETE, Math.min(id.begin(), size) + 1,
                                "the tree holds the node %s, which no complete subtree of its leaves has".formatted(id));
                    }
                    Node want = expected.next();
                    if (!want.id().equals(id)) {
                        return missing(want.id());
                    }
                    if (!want.hash().equals(hash)) {
                        return new Finding(Reason.TREE_NODE_MISMATCH, id.begin() + 1,
                                "the tree's node (%d, %d) is not SHA-256(0x01 || left || right) of its stored children"
                                        .formatted(id.level(), id.index()));
                    }
                }
            }
        }
        if (expected.hasNext()) {
            return missing(expected.next().id());
        }
        if (range.size() != size) {
            return new Finding(Reason.TREE_INCOMPLETE, Math.min(range.size(), size) + 1,
                    "the tree has %d leaves but the chain %d events".formatted(range.size(), size));
        }
        return null;
    }

    private static Finding missing(NodeId id) {
        return new Finding(Reason.TREE_INCOMPLETE, id.begin() + 1, "the tree lacks its node (%d, %d)".formatted(id.level(), id.index()));
    }

    private static Finding checkpoints(Connection snapshot, String tenantId, long size, Collection<PublicKey> keys) throws SQLException {
        var proofs = new TreeProofs(new PostgresNodeStore(snapshot, tenantId));
        for (var stored : PostgresTreeCheckpoints.all(snapshot, tenantId)) {
            long at = Math.max(1, Math.min(stored.treeSize(), size + 1));
            TreeCheckpoint checkpoint;
            try {
                checkpoint = TreeCheckpoint.parse(Note.parse(stored.note().getBytes(StandardCharsets.UTF_8)).text());
                String origin = checkpoint.origin();
                if (!origin.endsWith("/" + tenantId)) {
                    return new Finding(Reason.TREE_CHECKPOINT_MISMATCH, at,
                            "the tree checkpoint of size %d names the log \"%s\", not a log of %s".formatted(stored.treeSize(), origin, tenantId));
                }
                List<NoteVerifierKey> trusted = keys.stream().map(k -> NoteVerifierKey.of(origin, k)).toList();
                TreeCheckpoint.open(stored.note(), new NoteVerifiers(trusted), origin);
            } catch (InvalidNote invalid) {
                return new Finding(Reason.TREE_CHECKPOINT_BAD_SIGNATURE, at,
                        "the tree checkpoint of size %d is not a note signed by a trusted key: %s".formatted(stored.treeSize(), invalid.getMessage()));
            }
            if (checkpoint.size() != stored.treeSize() || !checkpoint.rootHash().equals(stored.rootHash())) {
                return new Finding(Reason.TREE_CHECKPOINT_MISMATCH, at,
                        "the columns of the tree checkpoint of size %d disagree with its signed note".formatted(stored.treeSize()));
            }
            if (checkpoint.size() > size) {
                return new Finding(Reason.TRUNCATED, size + 1,
                        "a signed tree checkpoint covers %d events but the chain has %d: its tail was removed".formatted(checkpoint.size(), size));
            }
            TreeHash root;
            try {
                root = proofs.root(checkpoint.size());
            } catch (MissingNodes missing) {
                return new Finding(Reason.TREE_INCOMPLETE, at, "the tree lacks the node %s".formatted(missing.first()));
            }
            if (!root.equals(checkpoint.rootHash())) {
                return new Finding(Reason.TREE_CHECKPOINT_MISMATCH, at,
                        "the tree checkpoint of size %d signed the root %s, the stored tree gives %s"
                                .formatted(checkpoint.size(), checkpoint.rootHash(), root));
            }
        }
        return null;
    }
}
