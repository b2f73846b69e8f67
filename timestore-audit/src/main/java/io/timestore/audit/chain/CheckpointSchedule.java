package io.timestore.audit.chain;

import io.timestore.audit.ChainHead;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.tlog.CompactRange;
import io.timestore.audit.tlog.LogOrigin;
import io.timestore.audit.tlog.Note;
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
        latest.clear();
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
        latest.clear();
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

    /**
     * What a partition had signed as of this leader's last committed step: its newest periodic
     * chain checkpoint ({@code null} when none) and the size of its largest signed tree. Only the
     * leader writes either, on its lead connection, so they are read once per partition per lead
     * (two queries a step before).
     */
    private record Latest(Checkpoint chain, long treeSize) {}

    /** Per partition: what it had signed as of this leader's last committed step (leader state). */
    private final Map<String, Latest> latest = new HashMap<>();

    /**
     * What a step of one partition is due to sign, decided on the sequencer's thread ({@link #due});
     * {@link #sign} needs no connection and no leader state, so it may run on another thread.
     */
    final class Due {
        private final String tenant;
        private final ChainHead head;
        private final CompactRange tree;
        private final Latest before;
        private final boolean chain;
        private final boolean treeDue;

        private Due(String tenant, ChainHead head, CompactRange tree, Latest before, boolean chain, boolean treeDue) {
            this.tenant = tenant;
            this.head = head;
            this.tree = tree;
            this.before = before;
            this.chain = chain;
            this.treeDue = treeDue;
        }

        boolean any() {
            return chain || treeDue;
        }

        /**
         * Signs what is due: thread-safe. The chain's checkpoint is left out when the signer refuses
         * it (the clock went back), with the refusal kept for {@link #store} to report.
         */
        Signatures sign() {
            Checkpoint checkpoint = null;
            IllegalArgumentException refused = null;
            if (chain) {
                try {
                    checkpoint = signer.sign(head, before.chain());
                } catch (IllegalArgumentException clockWentBack) {
                    refused = clockWentBack;
                }
            }
            TreeCheckpoint treeCheckpoint = null;
            Note note = null;
            if (treeDue) {
                // The active key and, during a rotation's grace period, the retiring one (CheckpointSigner).
                List<NoteSigner> noteSigners = signer.noteSigners(LogOrigin.of(logName, tenant));
                treeCheckpoint = new TreeCheckpoint(noteSigners.getFirst().name(), tree.size(), tree.root());
                note = treeCheckpoint.sign(noteSigners);
            }
            return new Signatures(checkpoint, refused, treeCheckpoint, note);
        }
    }

    /** What {@link Due#sign} produced. */
    record Signatures(Checkpoint chain, IllegalArgumentException refused, TreeCheckpoint tree, Note note) {}

    /** What one step signed: the chain's periodic checkpoint (or null) and whether the tree's. */
    record Signed(Checkpoint chain, boolean tree, Latest after) {
        static final Signed NONE = new Signed(null, false, null);

        boolean any() {
            return chain != null || tree;
        }
    }

    /**
     * Decides what a step that leaves {@code tenant} at {@code head} with the tree {@code tree} (of
     * {@code head.seq} leaves) is due to sign: a periodic checkpoint of the chain and a checkpoint
     * note of the tree, each once {@code checkpointEvery} events were sealed since the last one or
     * the oldest unsigned event waited {@code checkpointInterval}. In the caller's transaction on
     * the platform path (the signed positions are read from it once per partition per lead).
     */
    Due due(Connection connection, String tenant, ChainHead head, CompactRange tree) throws SQLException {
        if (head.isGenesis()) {
            return new Due(tenant, head, tree, null, false, false);
        }
        Latest before = latest.get(tenant);
        if (before == null) {
            before = new Latest(CheckpointStore.latest(connection, tenant, CheckpointStore.Kind.PERIODIC).orElse(null),
                    PostgresTreeCheckpoints.latest(connection, tenant).map(PostgresTreeCheckpoints.Stored::treeSize).orElse(0L));
        }
        Instant since = unsignedSince.getOrDefault(tenant, clock.instant());
        boolean late = Duration.between(since, clock.instant()).compareTo(checkpointInterval) >= 0;
        long signedSeq = before.chain() == null ? 0 : before.chain().seq();
        boolean chain = head.seq() > signedSeq && (late || head.seq() - signedSeq >= checkpointEvery);
        boolean treeDue = tree.size() > before.treeSize() && (late || tree.size() - before.treeSize() >= checkpointEvery);
        return new Due(tenant, head, tree, before, chain, treeDue);
    }

    /**
     * Inserts what {@code due} signed ({@code signatures}, from its {@link Due#sign}) inside the
     * caller's transaction. A chain checkpoint the signer refused is reported and skipped; the next
     * round retries.
     */
    Signed store(Connection connection, Due due, Signatures signatures) throws SQLException {
        if (due.before == null) {
            return Signed.NONE;
        }
        if (signatures.refused() != null) {
            observer.failed("checkpoint of " + due.tenant, signatures.refused());
        }
        if (signatures.chain() != null) {
            CheckpointStore.insert(connection, signatures.chain(), CheckpointStore.Kind.PERIODIC);
        }
        if (signatures.note() != null) {
            PostgresTreeCheckpoints.insert(connection, due.tenant, signatures.tree(), signatures.note());
        }
        var after = new Latest(signatures.chain() != null ? signatures.chain() : due.before.chain(),
                signatures.tree() != null ? signatures.tree().size() : due.before.treeSize());
        return new Signed(signatures.chain(), signatures.tree() != null, after);
    }

    /**
     * Signs and inserts a periodic checkpoint of {@code head}, and a checkpoint note of the tree
     * {@code tree} (of {@code head.seq} leaves), each when due ({@link #due}), inside the caller's
     * transaction, on this thread: the step of a partition that sealed nothing. Such a step inserts
     * no seal that would collide with a head another instance moved on, so it reads what was
     * signed from the database rather than trusting what this leader remembers.
     */
    Signed signIfDue(Connection connection, String tenant, ChainHead head, CompactRange tree) throws SQLException {
        latest.remove(tenant);
        Due due = due(connection, tenant, head, tree);
        return store(connection, due, due.sign());
    }

    /** The step of {@code tenant} failed: read what it signed from the database next time. */
    void forget(String tenant) {
        latest.remove(tenant);
    }

    /**
     * The step that signed {@code signed} committed with {@code head}: a signed chain or tree, or an
     * empty one, has nothing left to sign.
     */
    void committed(String tenant, ChainHead head, Signed signed) {
        if (signed.after() != null) {
            latest.put(tenant, signed.after());
        }
        if (signed.any() || head.isGenesis()) {
            unsignedSince.remove(tenant);
        }
        if (signed.chain() != null) {
            observer.checkpointed(signed.chain());
        }
    }
}
