package io.timestore.audit.chain;

import io.timestore.audit.AuditJson;
import io.timestore.audit.AuditUnavailable;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.cluster.Leadership;
import io.timestore.audit.store.PlatformPath;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single sequencer (docs/architecture.md §7): seals each partition's pending events, in arrival order,
 * into its hash chain and its Merkle tree, and signs checkpoints of both every {@code checkpointEvery} events or
 * {@code checkpointInterval}. Split as Trillian splits its log operation: this class holds the
 * leadership and the loop of rounds; {@link PartitionSealer} seals one partition in one
 * transaction (taking the batch off the queue with {@link PendingQueue}); {@link CheckpointSchedule}
 * decides when a checkpoint is due, signs it and stores it.
 *
 * <p><b>Leadership.</b> Any number of server instances run a sequencer; one leads. The leader holds
 * the session advisory lock {@link #LEADER_LOCK} on a dedicated connection for as long as it leads
 * (a {@link Leadership}).
 * The others try again every {@code leaderRetry}. When the leader's connection dies (the process
 * was killed, the network dropped), PostgreSQL releases the lock and the next attempt of another
 * instance wins. A leader that notices its lock connection is gone steps down before its next round.
 *
 * <p><b>Rounds.</b> A round visits the partitions with pending events (oldest first) and those
 * whose chain still waits for a checkpoint, one batch each per pass, round robin, so a busy tenant
 * cannot starve the others; a partition whose step filled a batch is visited again.
 *
 * <p>A queued entry that cannot be sealed stops its partition (reported through
 * {@link Observer#failed}) rather than being skipped; see {@link PendingQueue}.
 *
 * <p>Thread-safe. Owns one platform thread, started by {@link #start()}, stopped by {@link #close()}.
 *
 * <p>Close to 400 lines because {@link Settings}, {@link Observer} and {@link Round} (about 75
 * lines of documented public API that the server's configuration and metrics use) live here; the
 * class's own logic is the loop and the leadership only.
 */
public final class Sequencer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sequencer.class);

    /** The session advisory lock key of the leader: ASCII {@code "tsaudseq"}. */
    public static final long LEADER_LOCK = 0x747361756473_6571L;
    /**
     * The first key of the per-partition transaction lock; the second is {@code hashtext(tenant_id)}.
     * Whoever rewrites a partition's chain (the sequencer, retention) holds it for the transaction.
     */
    public static final int PARTITION_LOCK_CLASS = 0x74736175;

    private static final String BACKLOG = """
            SELECT tenant_id, count(*), extract(epoch FROM clock_timestamp() - min(recorded_at))
            FROM audit_pending GROUP BY tenant_id ORDER BY min(arrival)
            """;

    /**
     * How the sequencer paces itself.
     *
     * @param sealInterval       the pause between rounds while leading (a {@link #wakeUp()} ends it early)
     * @param batchSize          the most events one transaction seals for one partition
     * @param checkpointEvery    sign a checkpoint once this many events were sealed since the last one
     * @param checkpointInterval ... or once the oldest event not covered by a checkpoint was sealed this long ago
     * @param leaderRetry        how often a follower tries to take the lead
     */
    public record Settings(Duration sealInterval, int batchSize, int checkpointEvery, Duration checkpointInterval,
            Duration leaderRetry) {
        public Settings {
            requirePositive(sealInterval, "sealInterval");
            requirePositive(checkpointInterval, "checkpointInterval");
            requirePositive(leaderRetry, "leaderRetry");
            if (batchSize < 1 || checkpointEvery < 1) {
                throw new IllegalArgumentException("batchSize and checkpointEvery must be positive (found %d, %d)"
                        .formatted(batchSize, checkpointEvery));
            }
        }

        /** 200 ms rounds, 10,000-event batches, a checkpoint every 10,000 events or minute, retry the lead every 5 s. */
        public static Settings defaults() {
            return new Settings(Duration.ofMillis(200), 10_000, 10_000, Duration.ofMinutes(1), Duration.ofSeconds(5));
        }

        private static void requirePositive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive (found " + d + ")");
            }
        }
    }

    /**
     * What the sequencer reports, for metrics and logs. Called from the sequencer's thread;
     * implementations must be fast and must not throw. Every method has a no-op default.
     */
    public interface Observer {
        /** This instance took ({@code true}) or lost ({@code false}) the lead. */
        default void leadership(boolean leader) {}

        /** {@code events} of {@code tenantId} were sealed in one transaction that took {@code took}. */
        default void sealed(String tenantId, int events, Duration took) {}

        /** A checkpoint was signed and stored. */
        default void checkpointed(Checkpoint checkpoint) {}

        /**
         * The state at the start of a leader's round.
         *
         * @param unsealedEvents events waiting in the queue, all partitions
         * @param sealLag        age of the oldest waiting event (database clock), zero when none waits
         * @param checkpointAge  how long the oldest sealed event not covered by a checkpoint has
         *                       been waiting for one, zero when every chain is signed to its head
         */
        default void backlog(long unsealedEvents, Duration sealLag, Duration checkpointAge) {}

        /** Something failed; the sequencer carries on (the partition is retried next round). */
        default void failed(String what, Exception cause) {}

        Observer NONE = new Observer() {};
    }

    /**
     * What one round did.
     *
     * @param leader      whether this instance led during the round (a follower does nothing)
     * @param sealed      events sealed
     * @param checkpoints checkpoints signed
     */
    public record Round(boolean leader, long sealed, int checkpoints) {}

    private final Leadership lead;
    private final CheckpointSigner signer;
    private final InstantSource clock;
    private final Settings settings;
    private final Observer observer;
    private final CheckpointSchedule schedule;
    private final PartitionSealer sealer;
    private final BlockingQueue<CompletableFuture<Round>> requests = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean leader;

    /**
     * @param dataSource connections as the runtime role; one is held while leading
     * @param signer     signs checkpoints; its public key is published in {@code audit_signing_keys}
     * @param publicKey  the signer's public key
     * @param logName    the deployment's log name: partition {@code p}'s tree checkpoints have the
     *                   origin {@code <logName>/<p>} (docs/transparency-log.md §2)
     */
    public Sequencer(DataSource dataSource, AuditJson json, CheckpointSigner signer, java.security.PublicKey publicKey,
            String logName, InstantSource clock, Settings settings, Observer observer) {
        this.lead = new Leadership(Objects.requireNonNull(dataSource, "dataSource"), LEADER_LOCK);
        Objects.requireNonNull(json, "json");
        this.signer = Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(publicKey, "publicKey");
        if (!CheckpointKeys.keyId(publicKey).equals(signer.keyId())) {
            throw new IllegalArgumentException("publicKey does not belong to the signer's key " + signer.keyId());
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.observer = Objects.requireNonNull(observer, "observer");
        this.schedule = new CheckpointSchedule(signer, logName, clock, settings, observer);
        this.sealer = new PartitionSealer(new PendingQueue(json, settings.batchSize()), new PartitionTrees(json), schedule, observer);
        this.thread = Thread.ofPlatform().name("audit-sequencer").daemon().unstarted(this::loop);
    }

    /** Starts the sequencer's thread; it tries to take the lead at once. */
    public Sequencer start() {
        thread.start();
        return this;
    }

    /** Whether this instance currently holds the lead (as of its last round or attempt). */
    public boolean isLeader() {
        return leader;
    }

    /** Ends the current pause: the next round starts now (for example after a burst of events). */
    public void wakeUp() {
        requests.offer(new CompletableFuture<>());
    }

    /**
     * Runs a round as soon as possible and completes with what it did: a follower's round tries to
     * take the lead first. Completes exceptionally with {@link AuditUnavailable} once closed.
     */
    public CompletableFuture<Round> sealNow() {
        var done = new CompletableFuture<Round>();
        if (closed) {
            done.completeExceptionally(new AuditUnavailable("sequencer is closed"));
        } else {
            requests.offer(done);
        }
        return done;
    }

    private void loop() {
        var waiting = new ArrayList<CompletableFuture<Round>>();
        while (!closed) {
            try {
                var first = requests.poll((leader ? settings.sealInterval() : settings.leaderRetry()).toNanos(), TimeUnit.NANOSECONDS);
                if (first != null) {
                    waiting.add(first);
                    requests.drainTo(waiting);
                }
                if (closed) {
                    break;
                }
                Round round = round();
                waiting.forEach(w -> w.complete(round));
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException unexpected) {
                observer.failed("sequencer round", unexpected);
                log.error("audit sequencer round failed", unexpected);
                waiting.forEach(w -> w.complete(new Round(leader, 0, 0)));
            } finally {
                waiting.clear();
            }
        }
        stepDown();
        requests.drainTo(waiting);
        waiting.forEach(w -> w.completeExceptionally(new AuditUnavailable("sequencer is closed")));
    }

    private Round round() {
        if (!holdLead()) {
            return new Round(false, 0, 0);
        }
        long sealed = 0;
        int checkpoints = 0;
        // Sealing runs on the connection that holds the lead: if it dies, the lead and the work
        // end together, and its statements stay prepared (binary results) from round to round.
        Connection connection = lead.connection();
        try {
            connection.setAutoCommit(false);
            try (var statements = new PartitionSealer.Statements(connection)) {
                Map<String, Long> backlog = backlog(connection);
                // Round robin over partitions, one batch each per pass, so a busy tenant cannot
                // starve the others; a pass that left nothing behind ends the round.
                var partitions = new ArrayList<>(backlog.keySet());
                schedule.unsigned().stream().filter(t -> !backlog.containsKey(t)).sorted().forEach(partitions::add);
                while (!partitions.isEmpty() && !closed) {
                    var again = new ArrayList<String>();
                    for (String tenant : partitions) {
                        PartitionSealer.Step step = sealer.step(connection, statements, tenant);
                        sealed += step.sealed();
                        checkpoints += step.checkpointed() ? 1 : 0;
                        if (step.sealed() == settings.batchSize()) {
                            again.add(tenant);
                        }
                    }
                    partitions = again;
                }
            }
        } catch (SQLException e) {
            rollback(connection);
            observer.failed("sealing round", e);
            log.warn("audit sealing round failed (SQLState {}): {}", e.getSQLState(), e.getMessage());
        } finally {
            // Between rounds the lead connection idles outside any transaction, whatever happened.
            try {
                connection.setAutoCommit(true);
            } catch (SQLException broken) {
                // The connection is gone; the next round's validity check steps down.
            }
        }
        return new Round(true, sealed, checkpoints);
    }

    /** Reports the backlog and returns the partitions with pending events, oldest first. */
    private Map<String, Long> backlog(Connection connection) throws SQLException {
        Map<String, Long> pending = new LinkedHashMap<>();
        long total = 0;
        double lagSeconds = 0;
        PlatformPath.enter(connection);
        try (var statement = connection.prepareStatement(BACKLOG);
             var rows = statement.executeQuery()) {
            while (rows.next()) {
                pending.put(rows.getString(1), rows.getLong(2));
                total += rows.getLong(2);
                lagSeconds = Math.max(lagSeconds, rows.getDouble(3));
            }
        }
        connection.commit();
        Instant now = clock.instant();
        Duration checkpointAge = schedule.age(now);
        observer.backlog(total, Duration.ofNanos((long) (lagSeconds * 1e9)), checkpointAge);
        return pending;
    }

    /** Checks or takes the lead; true while this instance leads. */
    private boolean holdLead() {
        if (lead.isHeld()) {
            if (lead.isAlive()) {
                return true;
            }
            log.warn("audit sequencer lost its leader connection; stepping down");
            stepDown();
        }
        try {
            if (!lead.tryAcquire()) {
                return false;
            }
            // The active key now: a rotation since start published its key already (docs/security.md).
            CheckpointStore.registerKey(lead.connection(), signer.publicKey());
            recoverUnsigned();
            leader = true;
            log.info("audit sequencer took the lead");
            observer.leadership(true);
            return true;
        } catch (SQLException | RuntimeException e) {
            observer.failed("taking the lead", e);
            stepDown();
            return false;
        }
    }

    /** After taking the lead: every chain signed short of its head gets a checkpoint within the interval. */
    private void recoverUnsigned() throws SQLException {
        sealer.forgetHeads();
        var connection = lead.connection();
        connection.setAutoCommit(false);
        try {
            PlatformPath.enter(connection);
            schedule.recover(connection);
            connection.commit();
        } finally {
            rollback(connection);
            connection.setAutoCommit(true);
        }
    }

    /**
     * Gives the lead back ({@link Leadership#release()}: a pooled connection would otherwise keep
     * it for whoever borrows it next) and forgets what only the leader may know.
     */
    private void stepDown() {
        boolean was = leader;
        leader = false;
        lead.release();
        schedule.clear();
        sealer.forgetHeads();
        if (was) {
            observer.leadership(false);
        }
    }

    static void rollback(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; the round's next statement reports it.
        }
    }

    /** Stops the thread (finishing the current transaction) and gives up the lead. */
    @Override
    public void close() {
        closed = true;
        requests.offer(new CompletableFuture<>());
        if (thread.isAlive()) {
            try {
                thread.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            stepDown();
            var waiting = new ArrayList<CompletableFuture<Round>>();
            requests.drainTo(waiting);
            waiting.forEach(w -> w.completeExceptionally(new AuditUnavailable("sequencer is closed")));
        }
    }

}
