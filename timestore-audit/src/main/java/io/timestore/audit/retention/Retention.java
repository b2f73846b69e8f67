package io.timestore.audit.retention;

import io.timestore.audit.AuditUnavailable;
import io.timestore.audit.ChainHash;
import io.timestore.audit.ChainHead;
import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.store.PlatformPath;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Audit retention: removes a partition's oldest events once they are past its retention, without
 * breaking verifiability. The cut is always a chain position B (a seq): every event up to B must
 * be older than the cutoff, so events sealed out of time order are kept until all before them can
 * go. Before anything is deleted, a {@code purge_anchor} checkpoint is signed at B; the remaining
 * chain then verifies from that anchor (docs/audit-events.md).
 *
 * <p>Deletion needs DELETE on the audit tables, which the service's runtime role does not have:
 * the data source here must connect as the dedicated retention role. It works on the explicit
 * platform path and takes the sequencer's per-partition lock, so it never races sealing. Deletes
 * run in bounded batches, each its own transaction.
 */
public final class Retention {
    private static final String FIRST_TO_KEEP = """
            SELECT min(s.seq) FROM audit_seals s JOIN audit_events e ON e.tenant_id = s.tenant_id AND e.event_id = s.event_id
            WHERE s.tenant_id = ? AND e.occurred_at >= ?
            """;
    private static final String SEAL_RANGE = "SELECT min(seq), max(seq) FROM audit_seals WHERE tenant_id = ?";
    private static final String SEAL_HASH = "SELECT hash FROM audit_seals WHERE tenant_id = ? AND seq = ?";
    private static final String LOCK_PARTITION = "SELECT pg_advisory_xact_lock(?, hashtext(?))";
    private static final String DELETE_EVENTS = """
            DELETE FROM audit_events e USING (
                SELECT tenant_id, event_id FROM audit_seals WHERE tenant_id = ? AND seq <= ? ORDER BY seq LIMIT ?) doomed
            WHERE e.tenant_id = doomed.tenant_id AND e.event_id = doomed.event_id
            """;
    // The same batch as DELETE_SEALS, in the same transaction: the Merkle tree nodes its seals carry
    // (audit schema version 7) move to audit_tree_nodes, so the tree stays whole. No ON CONFLICT: a
    // node stored twice means something is wrong, and the purge stops rather than pick one.
    private static final String KEEP_TREE_NODES = """
            INSERT INTO audit_tree_nodes (tenant_id, level, idx, hash)
            SELECT s.tenant_id, l.level, (s.seq >> l.level) - 1, substring(s.tree_hashes FROM 32 * l.level + 1 FOR 32)
            FROM (SELECT tenant_id, seq, tree_hashes FROM audit_seals WHERE tenant_id = ? AND seq <= ? ORDER BY seq LIMIT ?) s
            CROSS JOIN LATERAL generate_series(0, octet_length(s.tree_hashes) / 32 - 1) AS l(level)
            WHERE s.tree_hashes IS NOT NULL
            """;
    private static final String DELETE_SEALS = """
            DELETE FROM audit_seals WHERE ctid IN (
                SELECT ctid FROM audit_seals WHERE tenant_id = ? AND seq <= ? ORDER BY seq LIMIT ?)
            """;
    private static final String DELETE_OLD_CHECKPOINTS = "DELETE FROM audit_checkpoints WHERE tenant_id = ? AND seq < ?";

    /** What a purge of one partition would remove: events with seq from {@code fromSeq} through {@code throughSeq}. */
    public record Plan(String tenantId, Instant cutoff, long fromSeq, long throughSeq) {
        public long events() {
            return throughSeq - fromSeq + 1;
        }
    }

    /** What a purge removed and where the remaining chain is anchored. */
    public record Purged(Plan plan, Checkpoint anchor, long eventsDeleted) {}

    private final DataSource retentionRole;
    private final CheckpointSigner signer;
    private final int batchSize;

    public Retention(DataSource retentionRole, CheckpointSigner signer, int batchSize) {
        this.retentionRole = Objects.requireNonNull(retentionRole, "retentionRole");
        this.signer = Objects.requireNonNull(signer, "signer");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive");
        }
        this.batchSize = batchSize;
    }

    /** What would go for {@code tenantId} with events before {@code cutoff} expired; empty when nothing. */
    public Optional<Plan> plan(String tenantId, Instant cutoff) {
        try (var connection = retentionRole.getConnection()) {
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            try {
                PlatformPath.enter(connection);
                return plan(connection, tenantId, cutoff, Long.MAX_VALUE);
            } finally {
                connection.rollback();
            }
        } catch (SQLException e) {
            throw new AuditUnavailable("planning the audit purge of " + tenantId + " failed (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /** Anchors and then deletes what {@code plan} names. Re-plans under the partition lock first. */
    public Optional<Purged> purge(String tenantId, Instant cutoff) {
        return purge(tenantId, cutoff, Long.MAX_VALUE);
    }

    /**
     * As {@link #purge(String, Instant)}, removing nothing after {@code throughAtMost} however old:
     * what a copy of the trail still needs (an audit sink that has not delivered it yet) is held back.
     */
    public Optional<Purged> purge(String tenantId, Instant cutoff, long throughAtMost) {
        try (var connection = retentionRole.getConnection()) {
            connection.setAutoCommit(false);
            Plan plan;
            Checkpoint anchor;
            try {
                PlatformPath.enter(connection);
                lock(connection, tenantId);
                var planned = plan(connection, tenantId, cutoff, throughAtMost);
                if (planned.isEmpty()) {
                    connection.rollback();
                    return Optional.empty();
                }
                plan = planned.get();
                anchor = signer.sign(new ChainHead(tenantId, plan.throughSeq(), hashAt(connection, tenantId, plan.throughSeq())), null);
                CheckpointStore.insert(connection, anchor, CheckpointStore.Kind.PURGE_ANCHOR);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
            long deleted = 0;
            while (true) {
                int seals;
                try {
                    PlatformPath.enter(connection);
                    lock(connection, tenantId);
                    // Events first: their batch is chosen through the seals, which go second.
                    deleted += delete(connection, DELETE_EVENTS, tenantId, plan.throughSeq());
                    delete(connection, KEEP_TREE_NODES, tenantId, plan.throughSeq());
                    seals = delete(connection, DELETE_SEALS, tenantId, plan.throughSeq());
                    connection.commit();
                } catch (SQLException | RuntimeException e) {
                    connection.rollback();
                    throw e;
                }
                if (seals < batchSize) {
                    break;
                }
            }
            PlatformPath.enter(connection);
            try (var statement = connection.prepareStatement(DELETE_OLD_CHECKPOINTS)) {
                statement.setString(1, tenantId);
                statement.setLong(2, plan.throughSeq());
                statement.executeUpdate();
            }
            connection.commit();
            return Optional.of(new Purged(plan, anchor, deleted));
        } catch (SQLException e) {
            throw new AuditUnavailable("the audit purge of " + tenantId + " failed (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /** Every partition that has sealed events, for a job that purges them all. */
    public List<String> partitions() {
        try (var connection = retentionRole.getConnection()) {
            connection.setAutoCommit(false);
            try {
                PlatformPath.enter(connection);
                var partitions = new ArrayList<String>();
                try (var rows = connection.createStatement().executeQuery("SELECT DISTINCT tenant_id FROM audit_seals ORDER BY 1")) {
                    while (rows.next()) {
                        partitions.add(rows.getString(1));
                    }
                }
                return partitions;
            } finally {
                connection.rollback();
            }
        } catch (SQLException e) {
            throw new AuditUnavailable("listing audit partitions failed (SQLState " + e.getSQLState() + ")", e);
        }
    }

    private static Optional<Plan> plan(Connection connection, String tenantId, Instant cutoff, long throughAtMost)
            throws SQLException {
        long first;
        long last;
        try (var statement = connection.prepareStatement(SEAL_RANGE)) {
            statement.setString(1, tenantId);
            try (var rows = statement.executeQuery()) {
                rows.next();
                first = rows.getLong(1);
                if (rows.wasNull()) {
                    return Optional.empty();
                }
                last = rows.getLong(2);
            }
        }
        long through = last;
        try (var statement = connection.prepareStatement(FIRST_TO_KEEP)) {
            statement.setString(1, tenantId);
            statement.setTimestamp(2, Timestamp.from(cutoff));
            try (var rows = statement.executeQuery()) {
                rows.next();
                long keep = rows.getLong(1);
                if (!rows.wasNull()) {
                    through = keep - 1;
                }
            }
        }
        through = Math.min(through, throughAtMost);
        return through >= first ? Optional.of(new Plan(tenantId, cutoff, first, through)) : Optional.empty();
    }

    private static ChainHash hashAt(Connection connection, String tenantId, long seq) throws SQLException {
        try (var statement = connection.prepareStatement(SEAL_HASH)) {
            statement.setString(1, tenantId);
            statement.setLong(2, seq);
            try (var rows = statement.executeQuery()) {
                if (!rows.next()) {
                    throw new IllegalStateException("no seal at seq " + seq + " of " + tenantId);
                }
                return ChainHash.of(rows.getBytes(1));
            }
        }
    }

    private static void lock(Connection connection, String tenantId) throws SQLException {
        try (var statement = connection.prepareStatement(LOCK_PARTITION)) {
            statement.setInt(1, Sequencer.PARTITION_LOCK_CLASS);
            statement.setString(2, tenantId);
            statement.execute();
        }
    }

    /** Runs one batch statement of the purge (a delete, or the copy of the tree nodes before one). */
    private int delete(Connection connection, String sql, String tenantId, long throughSeq) throws SQLException {
        try (var statement = connection.prepareStatement(sql)) {
            statement.setString(1, tenantId);
            statement.setLong(2, throughSeq);
            statement.setInt(3, batchSize);
            return statement.executeUpdate();
        }
    }
}
