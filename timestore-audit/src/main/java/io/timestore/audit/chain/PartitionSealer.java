package io.timestore.audit.chain;

import io.timestore.audit.ChainHash;
import io.timestore.audit.ChainHead;
import io.timestore.audit.Seal;
import io.timestore.audit.store.PlatformPath;
import io.timestore.audit.tlog.CompactRange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinTask;
import org.postgresql.PGStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals one partition in one transaction on the platform path (Trillian's sequencer step): takes
 * the partition's transaction-scoped advisory lock (so two sequencers that both believe they lead —
 * during the seconds of a takeover — serialise instead of forking the chain), reads the head, takes
 * up to a batch of pending events in arrival order ({@link PendingQueue}), seals their canonical
 * bytes with {@link Chain}, extends the partition's Merkle tree by the same bytes ({@link PartitionTrees}),
 * inserts the seals with the tree nodes each one's leaf completed and, when due, signs checkpoints of both ({@link CheckpointSchedule}).
 * The primary key {@code (tenant_id, seq)} is the last line of defence against a fork.
 *
 * <p>Leader state: used from the sequencer's thread only.
 */
final class PartitionSealer {
    // Logged under the sequencer's name, as before the split, so operators' filters keep working.
    private static final Logger log = LoggerFactory.getLogger(Sequencer.class);

    // With the lock, for the step's transaction: no bitmap scans. The queue's statistics lag its
    // churn (a burst of 100,000 queued events was planned as 36 rows), and the planner then read
    // every queued row of the partition through a bitmap scan and sorted them to take the oldest
    // batch, several times the cost of walking the arrival index, which it picks once bitmaps are off.
    // And room for the batch in memory: PostgreSQL keeps the rows a DELETE ... RETURNING returns in
    // a tuplestore of at most work_mem (4 MB by default) before sending them, so every 10,000-event
    // take (8.4 MB of canonical bytes) went through a temporary file, one per step. 64 MB holds a
    // batch of 10,000 events of up to about 6 KB each.
    private static final String LOCK_PARTITION = """
            SELECT pg_advisory_xact_lock(?, hashtext(?)), set_config('enable_bitmapscan', 'off', true),
                set_config('work_mem', '64MB', true)""";
    // The newest seal, or the purge anchor when retention removed every seal of the partition (the
    // chain then continues from the anchor, as the verifier expects). Read on taking the lead and
    // after a failed step only: the leader keeps its partitions' heads in memory (see heads).
    private static final String HEAD = """
            SELECT seq, hash FROM (
                (SELECT seq, hash FROM audit_seals WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1)
                UNION ALL
                (SELECT seq, hash FROM audit_checkpoints WHERE tenant_id = ? AND kind = 'purge_anchor' ORDER BY seq DESC LIMIT 1)
            ) newest ORDER BY seq DESC LIMIT 1
            """;
    // Arrays instead of a JDBC batch: one round trip whatever the driver's batch settings. Each seal
    // carries its event's stored arrival number (null for an event stored without one), by which
    // reads find it (audit schema version 9).
    private static final String INSERT_SEALS = """
            INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash, tree_hashes, arrival)
            SELECT ?, s.seq, s.event_id, s.prev_hash, s.hash, s.tree_hashes, s.arrival
            FROM unnest(?::bigint[], ?::uuid[], ?::bytea[], ?::bytea[], ?::bytea[], ?::bigint[])
                AS s (seq, event_id, prev_hash, hash, tree_hashes, arrival)
            """;

    /**
     * Batches smaller than this extend the tree and sign checkpoints on the sequencer's own thread:
     * forking costs more.
     */
    private static final int PARALLEL_FROM = 256;

    private final Chain chain = new Chain();
    private final PartitionTrees trees;
    private final PendingQueue queue;
    private final CheckpointSchedule checkpoints;
    private final Sequencer.Observer observer;
    /**
     * Per partition: its chain head as of this leader's last committed step (leader state). Reading
     * it from audit_seals every round cost a query per partition per round, and a slow one while
     * the table's statistics lag its growth. A stale entry (another instance sealed during a
     * takeover) cannot fork the chain: its next seq collides with the primary key, the step rolls
     * back, and the entry is dropped and read again.
     */
    private final Map<String, ChainHead> heads = new HashMap<>();

    PartitionSealer(PendingQueue queue, PartitionTrees trees, CheckpointSchedule checkpoints, Sequencer.Observer observer) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.trees = Objects.requireNonNull(trees, "trees");
        this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /** Forgets the cached heads and trees (the lead was taken or lost). */
    void forgetHeads() {
        heads.clear();
        trees.clear();
    }

    /** What one step did. */
    record Step(int sealed, boolean checkpointed) {}

    /** One transaction for one partition: seal up to a batch, and sign a checkpoint when due. */
    Step step(Connection connection, Statements sql, String tenant) {
        long started = System.nanoTime();
        try {
            PlatformPath.enter(connection);
            sql.lockPartition.setInt(1, Sequencer.PARTITION_LOCK_CLASS);
            sql.lockPartition.setString(2, tenant);
            sql.lockPartition.execute();
            ChainHead head = heads.get(tenant);
            if (head == null) {
                head = head(sql, tenant);
            }
            CompactRange tree = trees.range(connection, tenant, head.seq());
            PendingQueue.Taken taken = queue.take(sql.take, sql.eventsWithoutBytes, tenant);
            CheckpointSchedule.Signed signed;
            if (taken.size() > 0) {
                // The tree grows by the same bytes, in the same order, in the same transaction: its
                // nodes travel in the seal rows. Its hashes need none of the chain's, so a large
                // batch's are computed on another core while this thread seals the chain.
                CompactRange range = tree;
                ForkJoinTask<PartitionTrees.Extension> extending = offload(taken.size(),
                        () -> PartitionTrees.extend(range, taken.canonical()));
                var batch = chain.sealCanonical(head, taken.canonical());
                var extension = extending.join();
                tree = extension.range();
                head = batch.head();
                checkpoints.sealed(tenant);
                // The checkpoints of the new head and tree need none of the seal rows either: what
                // is due is signed on another core while PostgreSQL inserts the seals, and stored
                // after them. A failed insert rolls the step back; its signatures are dropped unseen.
                CheckpointSchedule.Due due = checkpoints.due(connection, tenant, head, tree);
                ForkJoinTask<CheckpointSchedule.Signatures> signing = offload(due.any() ? taken.size() : 0, due::sign);
                insertSeals(connection, sql, tenant, taken, batch.seals(), extension.sealHashes());
                signed = checkpoints.store(connection, due, signing.join());
            } else {
                signed = checkpoints.signIfDue(connection, tenant, head, tree);
            }
            connection.commit();
            heads.put(tenant, head);
            trees.committed(tenant, tree);
            if (taken.size() > 0) {
                observer.sealed(tenant, taken.size(), Duration.ofNanos(System.nanoTime() - started));
            }
            checkpoints.committed(tenant, head, signed);
            return new Step(taken.size(), signed.any());
        } catch (SQLException | RuntimeException e) {
            Sequencer.rollback(connection);
            heads.remove(tenant);
            trees.forget(tenant);
            checkpoints.forget(tenant);
            observer.failed("sealing partition " + tenant, e);
            log.warn("audit sealing of partition {} failed: {}", tenant, e.getMessage());
            return new Step(0, false);
        }
    }

    /**
     * Runs {@code work} forked to the common pool for a batch of {@link #PARALLEL_FROM} events or
     * more, else here. Joining from this (outside) thread runs the task itself if no worker took it
     * yet, so a busy pool delays nothing.
     */
    private static <T> ForkJoinTask<T> offload(int batch, Callable<T> work) {
        var task = ForkJoinTask.adapt(work);
        if (batch >= PARALLEL_FROM) {
            return task.fork();
        }
        task.invoke();
        return task;
    }

    private static ChainHead head(Statements sql, String tenant) throws SQLException {
        sql.head.setString(1, tenant);
        sql.head.setString(2, tenant);
        try (var rows = sql.head.executeQuery()) {
            return rows.next() ? new ChainHead(tenant, rows.getLong(1), ChainHash.of(rows.getBytes(2))) : ChainHead.genesis(tenant);
        }
    }

    private static void insertSeals(Connection connection, Statements sql, String tenant, PendingQueue.Taken taken, List<Seal> seals,
            List<byte[]> treeHashes) throws SQLException {
        int n = seals.size();
        Long[] seqs = new Long[n];
        byte[][] prevs = new byte[n][];
        byte[][] hashes = new byte[n][];
        for (int i = 0; i < n; i++) {
            Seal seal = seals.get(i);
            seqs[i] = seal.seq();
            prevs[i] = seal.prevHash().toBytes();
            hashes[i] = seal.hash().toBytes();
        }
        sql.insertSeals.setString(1, tenant);
        sql.insertSeals.setArray(2, connection.createArrayOf("bigint", seqs));
        sql.insertSeals.setArray(3, connection.createArrayOf("uuid", taken.eventIds().toArray()));
        sql.insertSeals.setArray(4, connection.createArrayOf("bytea", prevs));
        sql.insertSeals.setArray(5, connection.createArrayOf("bytea", hashes));
        sql.insertSeals.setArray(6, connection.createArrayOf("bytea", treeHashes.toArray(byte[][]::new)));
        sql.insertSeals.setArray(7, connection.createArrayOf("bigint", taken.storedArrivals().toArray(Long[]::new)));
        int inserted = sql.insertSeals.executeUpdate();
        if (inserted != n) {
            throw new IllegalStateException("expected to seal %d events of %s, inserted %d seals".formatted(n, tenant, inserted));
        }
    }

    /** The statements of one round, prepared once per connection and reused for every partition. */
    static final class Statements implements AutoCloseable {
        final PreparedStatement lockPartition;
        final PreparedStatement head;
        final PreparedStatement take;
        final PreparedStatement eventsWithoutBytes;
        final PreparedStatement insertSeals;

        Statements(Connection connection) throws SQLException {
            lockPartition = connection.prepareStatement(LOCK_PARTITION);
            head = connection.prepareStatement(HEAD);
            take = binaryFromTheStart(connection.prepareStatement(PendingQueue.TAKE));
            eventsWithoutBytes = connection.prepareStatement(PendingQueue.EVENTS_WITHOUT_BYTES);
            insertSeals = binaryFromTheStart(connection.prepareStatement(INSERT_SEALS));
        }

        /**
         * Server-prepared, with binary results, from its first execution on this connection. The
         * driver's default runs a statement unprepared its first four times, with results as
         * text: a take then came back as 17 MB of hex (10,000 events of about 850 canonical
         * bytes), which PostgreSQL encoded and the driver decoded byte by byte, several times
         * the cost of the binary batch; the first four steps after taking the lead (or after a
         * restart) paid it, and were the cold round's slowness.
         */
        private static PreparedStatement binaryFromTheStart(PreparedStatement statement) throws SQLException {
            if (statement.isWrapperFor(PGStatement.class)) {
                // A negative threshold: prepare at once and ask for binary results (PgStatement).
                statement.unwrap(PGStatement.class).setPrepareThreshold(-1);
            }
            return statement;
        }

        @Override
        public void close() throws SQLException {
            for (var statement : List.of(lockPartition, head, take, eventsWithoutBytes, insertSeals)) {
                statement.close();
            }
        }
    }
}
