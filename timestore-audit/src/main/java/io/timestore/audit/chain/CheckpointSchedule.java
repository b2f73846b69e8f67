package io.timestore.audit.chain;

import io.timestore.audit.ChainHead;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.tlog.CompactRange;
import io.timestore.audit.tlog.LogOrigin;
import io.timestore.audit.tlog.NoteSigner;
import io.timestore.audit.tlog.PostgresTreeCheckpoints;
import io.timestore.audit.tlog.TreeCheckpoint;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The sequencer's checkpoint signing (Trillian's signer): decides when a partition's chain is due
 * for a periodic checkpoint ({@code checkpointEvery} events or {@code checkpointInterval} after the
 * oldest unsigned seal), signs it and stores it in the sealing transaction. On the same schedule it
 * signs the partition's Merkle tree as a C2SP checkpoint note (origin {@code <log name>/<partition>},
 * Ed25519 with the same key, docs/transparency-log.md §2-3) into {@code audit_tree_checkpoints}.
 *
 * <p>Leader state: used from the sequencer's thread only, cleared when the lead is taken or lost.
 */
final class CheckpointSchedule {
    // Partitions whose chain moved past their last periodic checkpoint: found once on taking the lead.
    // A loose index scan over audit_seals' primary key, so it costs one probe per partition, not per event.
    private static final String UNSIGNED = """
            WITH RECURSIVE partitions (tenant_id) AS (
                (SELECT tenant_id FROM audit_seals ORDER BY tenant_id LIMIT 1)
                UNION ALL
                SELECT (SELECT s.tenant_id FROM audit_seals s WHERE s.tenant_id > p.tenant_id ORDER BY s.tenant_id LIMIT 1)
                FROM partitions p WHERE p.tenant_id IS NOT NULL
            )
            SELECT p.tenant_id FROM partitions p
            CROSS JOIN LATERAL (SELECT max(seq) AS head FROM audit_seals s WHERE s.tenant_id = p.tenant_id) h
            WHERE p.tenant_id IS NOT NULL
              AND (h.head > coalesce((SELECT max(seq) FROM audit_checkpoints c WHERE c.tenant_id = p.tenant_id AND c.kind = 'periodic'), 0)
                   OR h.head > coalesce((SELECT max(tree_size) FROM audit_tree_checkpoints t WHERE t.tenant_id = p.tenant_id), 0))
            """;

    private final CheckpointSigner signer;
    private final String logName;
    private final InstantSource clock;
    private final int checkpointEvery;
    private final Duration checkpointInterval;
    private final Sequencer.Observer observer;
    /** Per partition: when its oldest event not covered by a checkpoint was sealed. */
    private final Map<String, Instant> unsignedSince = new HashMap<>();

    CheckpointSchedule(CheckpointSigner signer, String logName, InstantSource clock, Sequencer.Settings settings,
            Sequencer.Observer observer) {
        this.signer = Objects.requireNonNull(signer, "signer");
        if (!LogOrigin.isValidLogName(Objects.requireNonNull(logName, "logName"))) {
            throw new IllegalArgumentException("a log name is non-empty, without spaces or '+' (found \"" + logName + "\")");
        }
        this.logName = logName;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.checkpointEvery = settings.checkpointEvery();
        this.checkpointInterval = settings.checkpointInterval();
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /**
     * After taking the lead: every chain signed short of its head gets a checkpoint within the
     * interval. Runs in the caller's transaction on the platform path; the caller commits.
     */
    void recover(Connection connection) throws SQLException {
        unsignedSince.clear();
        Instant now = clock.instant();
        try (var statement = connection.prepareStatement(UNSIGNED);
             var rows = statement.executeQuery()) {
            while (rows.next()) {
                unsignedSince.put(rows.getString(1), now);
            }
        }
    }

    /** Forgets everything (the lead was lost). */
    void clear() {
        unsignedSince.clear();
    }

    /** Partitions with sealed events not yet covered by a periodic checkpoint. */
    Set<String> unsigned() {
        return unsignedSince.keySet();
    }

    /** How long the oldest unsigned seal has waited for a checkpoint, zero when every chain is signed. */
    Duration age(Instant now) {
        return unsignedSince.values().stream().map(since -> Duration.between(since, now))
                .max(Duration::compareTo).filter(d -> !d.isNegative()).orElse(Duration.ZERO);
    }

    /** Events of {@code tenant} were just sealed: its unsigned period starts now unless it already runs. */
    void sealed(String tenant) {
        unsignedSince.putIfAbsent(tenant, clock.instant());
    }

    /** What one step signed: the chain's periodic checkpoint (or null) and whether the tree's. */
    record Signed(Checkpoint chain, boolean tree) {
        static final Signed NONE = new Signed(null, false);

        boolean any() {
            return chain != null || tree;
        }
    }

    /**
     * Signs and inserts a periodic checkpoint of {@code head}, and a checkpoint note of the tree
     * {@code tree} (of {@code head.seq} leaves), each when due, inside the caller's transaction. The
     * chain's is skipped when the signer refused (the clock went back: the failure is reported and
     * the next round retries).
     */
    Signed signIfDue(Connection connection, String tenant, ChainHead head, CompactRange tree) throws SQLException {
        if (head.isGenesis()) {
            return Signed.NONE;
        }
        Instant since = unsignedSince.getOrDefault(tenant, clock.instant());
        boolean late = Duration.between(since, clock.instant()).compareTo(checkpointInterval) >= 0;
        return new Signed(signChainIfDue(connection, tenant, head, late), signTreeIfDue(connection, tenant, tree, late));
    }

    private Checkpoint signChainIfDue(Connection connection, String tenant, ChainHead head, boolean late) throws SQLException {
        var previous = CheckpointStore.latest(connection, tenant, CheckpointStore.Kind.PERIODIC).orElse(null);
        long signedSeq = previous == null ? 0 : previous.seq();
        if (head.seq() <= signedSeq || !(late || head.seq() - signedSeq >= checkpointEvery)) {
            return null;
        }
        Checkpoint checkpoint;
        try {
            checkpoint = signer.sign(head, previous);
        } catch (IllegalArgumentException clockWentBack) {
            // The signer refuses a checkpoint not later than the previous one; the next round retries.
            observer.failed("checkpoint of " + tenant, clockWentBack);
            return null;
        }
        CheckpointStore.insert(connection, checkpoint, CheckpointStore.Kind.PERIODIC);
        return checkpoint;
    }

    private boolean signTreeIfDue(Connection connection, String tenant, CompactRange tree, boolean late) throws SQLException {
        long signedSize = PostgresTreeCheckpoints.latest(connection, tenant).map(PostgresTreeCheckpoints.Stored::treeSize).orElse(0L);
        if (tree.size() <= signedSize || !(late || tree.size() - signedSize >= checkpointEvery)) {
            return false;
        }
        // The active key and, during a rotation's grace period, the retiring one (CheckpointSigner).
        List<NoteSigner> noteSigners = signer.noteSigners(LogOrigin.of(logName, tenant));
        var checkpoint = new TreeCheckpoint(noteSigners.getFirst().name(), tree.size(), tree.root());
        PostgresTreeCheckpoints.insert(connection, tenant, checkpoint, checkpoint.sign(noteSigners));
        return true;
    }

    /**
     * The step that signed {@code signed} committed with {@code head}: a signed chain or tree, or an
     * empty one, has nothing left to sign.
     */
    void committed(String tenant, ChainHead head, Signed signed) {
        if (signed.any() || head.isGenesis()) {
            unsignedSince.remove(tenant);
        }
        if (signed.chain() != null) {
            observer.checkpointed(signed.chain());
        }
    }
}
