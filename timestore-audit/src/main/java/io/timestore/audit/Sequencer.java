package io.timestore.audit;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single sequencer (DESIGN.md §7): seals each partition's pending events, in arrival order,
 * into its hash chain, and signs checkpoints every {@code checkpointEvery} events or
 * {@code checkpointInterval}.
 *
 * <p><b>Leadership.</b> Any number of server instances run a sequencer; one leads. The leader holds
 * the session advisory lock {@link #LEADER_LOCK} on a dedicated connection for as long as it leads.
 * The others try again every {@code leaderRetry}. When the leader's connection dies (the process
 * was killed, the network dropped), PostgreSQL releases the lock and the next attempt of another
 * instance wins. A leader that notices its lock connection is gone steps down before its next round.
 *
 * <p><b>Sealing.</b> Each partition is sealed in transactions on the platform path. One transaction
 * takes the partition's transaction-scoped advisory lock (so two sequencers that both believe they
 * lead — during the seconds of a takeover — serialise instead of forking the chain), reads the
 * head, takes (deletes and reads, in one statement) up to {@code batchSize} pending events in
 * arrival order, seals them with {@link Chain}, inserts the seals and, when due, inserts a checkpoint.
 * The primary key {@code (tenant_id, seq)} is the last line of defence against a fork.
 *
 * <p>What is hashed is the canonical bytes the writer queued with each event ({@link PostgresEventStore},
 * audit schema version 3); the events themselves are not read back. Rows queued by an older
 * writer carry no bytes; their events are read, checked against their row and encoded here.
 *
 * <p>A queued entry whose bytes are not in canonical form or do not name its event id and tenant,
 * or an older entry whose event cannot be parsed, stops its partition
 * (reported through {@link Observer#failed}) rather than being skipped: skipping would seal a
 * history without it, and sealing it would break the chain for good.
 *
 * <p>Thread-safe. Owns one platform thread, started by {@link #start()}, stopped by {@link #close()}.
 */
public final class Sequencer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sequencer.class);

    /** The session advisory lock key of the leader: ASCII {@code "tsaudseq"}. */
    public static final long LEADER_LOCK = 0x747361756473_6571L;
    /** The first key of the per-partition transaction lock; the second is {@code hashtext(tenant_id)}. */
    static final int PARTITION_LOCK_CLASS = 0x74736175;

    /** Batches smaller than this are parsed on the sequencer's own thread: forking costs more. */
    private static final int PARALLEL_PARSE_FROM = 256;
    private static final String TRY_LEAD = "SELECT pg_try_advisory_lock(?)";
    private static final String RELEASE_LEAD = "SELECT pg_advisory_unlock(?)";
    // With the lock, for the step's transaction: no bitmap scans. The queue's statistics lag its
    // churn (a burst of 100,000 queued events was planned as 36 rows), and the planner then read
    // every queued row of the partition through a bitmap scan and sorted them to take the oldest
    // batch, several times the cost of walking the arrival index, which it picks once bitmaps are off.
    private static final String LOCK_PARTITION =
            "SELECT pg_advisory_xact_lock(?, hashtext(?)), set_config('enable_bitmapscan', 'off', true)";
    private static final String BACKLOG = """
            SELECT tenant_id, count(*), extract(epoch FROM clock_timestamp() - min(recorded_at))
            FROM audit_pending GROUP BY tenant_id ORDER BY min(arrival)
            """;
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
    // Takes the batch off the queue in one statement: the pending rows are deleted here (found by
    // ctid, so each is visited once rather than probed again through the primary key) and RETURNING
    // hands back exactly the rows removed, with the canonical bytes their writer queued. A
    // rolled-back step puts them back.
    private static final String TAKE = """
            DELETE FROM audit_pending
            WHERE tenant_id = ? AND ctid = ANY (ARRAY (
                SELECT ctid FROM audit_pending WHERE tenant_id = ? ORDER BY arrival LIMIT ?))
            RETURNING arrival, event_id, canonical
            """;
    // Rows queued before audit schema version 3 carry no bytes: their events are read and encoded.
    private static final String EVENTS_WITHOUT_BYTES = """
            SELECT event_id, event::text FROM audit_events WHERE tenant_id = ? AND event_id = ANY (?)
            """;
    private static final byte[] CANONICAL_PREFIX = (CanonicalEncoding.VERSION + "\n").getBytes(StandardCharsets.US_ASCII);
    // Arrays instead of a JDBC batch: one round trip whatever the driver's batch settings.
    private static final String INSERT_SEALS = """
            INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash)
            SELECT ?, s.seq, s.event_id, s.prev_hash, s.hash
            FROM unnest(?::bigint[], ?::uuid[], ?::bytea[], ?::bytea[]) AS s (seq, event_id, prev_hash, hash)
            """;
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
            WHERE p.tenant_id IS NOT NULL
              AND (SELECT max(seq) FROM audit_seals s WHERE s.tenant_id = p.tenant_id)
                  > coalesce((SELECT max(seq) FROM audit_checkpoints c WHERE c.tenant_id = p.tenant_id AND c.kind = 'periodic'), 0)
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

    private final DataSource dataSource;
    private final AuditJson json;
    private final CheckpointSigner signer;
    private final java.security.PublicKey publicKey;
    private final InstantSource clock;
    private final Settings settings;
    private final Observer observer;
    private final Chain chain = new Chain();
    private final BlockingQueue<CompletableFuture<Round>> requests = new LinkedBlockingQueue<>();
    /** Per partition: when its oldest event not covered by a checkpoint was sealed (leader state). */
    private final Map<String, Instant> unsignedSince = new HashMap<>();
    /**
     * Per partition: its chain head as of this leader's last committed step (leader state). Reading
     * it from audit_seals every round cost a query per partition per round, and a slow one while
     * the table's statistics lag its growth. A stale entry (another instance sealed during a
     * takeover) cannot fork the chain: its next seq collides with the primary key, the step rolls
     * back, and the entry is dropped and read again.
     */
    private final Map<String, ChainHead> heads = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean leader;
    private Connection leaderConnection;

    /**
     * @param dataSource connections as the runtime role; one is held while leading
     * @param signer     signs checkpoints; its public key is published in {@code audit_signing_keys}
     * @param publicKey  the signer's public key
     */
    public Sequencer(DataSource dataSource, AuditJson json, CheckpointSigner signer, java.security.PublicKey publicKey,
            InstantSource clock, Settings settings, Observer observer) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.json = Objects.requireNonNull(json, "json");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
        if (!CheckpointKeys.keyId(publicKey).equals(signer.keyId())) {
            throw new IllegalArgumentException("publicKey does not belong to the signer's key " + signer.keyId());
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.observer = Objects.requireNonNull(observer, "observer");
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
        Connection connection = leaderConnection;
        try {
            connection.setAutoCommit(false);
            try (var statements = new Statements(connection)) {
                Map<String, Long> backlog = backlog(connection);
                // Round robin over partitions, one batch each per pass, so a busy tenant cannot
                // starve the others; a pass that left nothing behind ends the round.
                var partitions = new ArrayList<>(backlog.keySet());
                unsignedSince.keySet().stream().filter(t -> !backlog.containsKey(t)).sorted().forEach(partitions::add);
                while (!partitions.isEmpty() && !closed) {
                    var again = new ArrayList<String>();
                    for (String tenant : partitions) {
                        Step step = step(connection, statements, tenant);
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
        Duration checkpointAge = unsignedSince.values().stream().map(since -> Duration.between(since, now))
                .max(Duration::compareTo).filter(d -> !d.isNegative()).orElse(Duration.ZERO);
        observer.backlog(total, Duration.ofNanos((long) (lagSeconds * 1e9)), checkpointAge);
        return pending;
    }

    private record Step(int sealed, boolean checkpointed) {}

    /** One transaction for one partition: seal up to a batch, and sign a checkpoint when due. */
    private Step step(Connection connection, Statements sql, String tenant) {
        long started = System.nanoTime();
        try {
            PlatformPath.enter(connection);
            sql.lockPartition.setInt(1, PARTITION_LOCK_CLASS);
            sql.lockPartition.setString(2, tenant);
            sql.lockPartition.execute();
            ChainHead head = heads.get(tenant);
            if (head == null) {
                head = head(sql, tenant);
            }
            Taken taken = take(sql, tenant);
            if (taken.size() > 0) {
                var batch = chain.sealCanonical(head, taken.canonical());
                insertSeals(connection, sql, tenant, taken.eventIds(), batch.seals());
                head = batch.head();
                unsignedSince.putIfAbsent(tenant, clock.instant());
            }
            Checkpoint checkpoint = checkpointIfDue(connection, tenant, head);
            connection.commit();
            heads.put(tenant, head);
            if (taken.size() > 0) {
                observer.sealed(tenant, taken.size(), Duration.ofNanos(System.nanoTime() - started));
            }
            if (checkpoint != null) {
                unsignedSince.remove(tenant);
                observer.checkpointed(checkpoint);
            } else if (head.isGenesis()) {
                unsignedSince.remove(tenant);
            }
            return new Step(taken.size(), checkpoint != null);
        } catch (SQLException | RuntimeException e) {
            rollback(connection);
            heads.remove(tenant);
            observer.failed("sealing partition " + tenant, e);
            log.warn("audit sealing of partition {} failed: {}", tenant, e.getMessage());
            return new Step(0, false);
        }
    }

    private static ChainHead head(Statements sql, String tenant) throws SQLException {
        sql.head.setString(1, tenant);
        sql.head.setString(2, tenant);
        try (var rows = sql.head.executeQuery()) {
            return rows.next() ? new ChainHead(tenant, rows.getLong(1), ChainHash.of(rows.getBytes(2))) : ChainHead.genesis(tenant);
        }
    }

    /** A batch taken off the queue: event ids and their canonical bytes, in arrival order. */
    private record Taken(List<UUID> eventIds, List<byte[]> canonical) {
        int size() {
            return eventIds.size();
        }
    }

    private record Queued(long arrival, UUID eventId, byte[] canonical) {}

    private Taken take(Statements sql, String tenant) throws SQLException {
        sql.take.setString(1, tenant);
        sql.take.setString(2, tenant);
        sql.take.setInt(3, settings.batchSize());
        var queued = new ArrayList<Queued>();
        try (var rows = sql.take.executeQuery()) {
            while (rows.next()) {
                queued.add(new Queued(rows.getLong(1), rows.getObject(2, UUID.class), rows.getBytes(3)));
            }
        }
        // Sorted here rather than in the statement: sorting the rows with their bytes made
        // PostgreSQL spill a 10,000-event batch to disk.
        queued.sort(Comparator.comparingLong(Queued::arrival));
        var ids = new ArrayList<UUID>(queued.size());
        var canonical = new ArrayList<byte[]>(queued.size());
        List<UUID> withoutBytes = new ArrayList<>();
        String tenantMember = member("tenant_id", tenant);
        for (Queued entry : queued) {
            byte[] bytes = entry.canonical();
            if (bytes == null) {
                withoutBytes.add(entry.eventId());
            } else {
                checkQueued(entry, bytes, tenant, tenantMember);
            }
            ids.add(entry.eventId());
            canonical.add(bytes);
        }
        if (!withoutBytes.isEmpty()) {
            Map<UUID, byte[]> encoded = encodeStored(sql, tenant, withoutBytes);
            // A row queued before version 3 whose event is gone (only an owner editing the tables can
            // do that) leaves the queue unsealed, as it always did; rows with bytes are refused
            // instead (checkQueued).
            for (int i = ids.size() - 1; i >= 0; i--) {
                if (canonical.get(i) == null) {
                    byte[] bytes = encoded.get(ids.get(i));
                    if (bytes == null) {
                        ids.remove(i);
                        canonical.remove(i);
                    } else {
                        canonical.set(i, bytes);
                    }
                }
            }
        }
        return new Taken(ids, canonical);
    }

    /**
     * Refuses a queued entry whose bytes cannot be its event's: no canonical prefix, or no member
     * naming its id and tenant. Only a writer other than {@link PostgresEventStore}, or a bug, makes
     * such an entry, and a seal cannot be taken back, so the partition stops and says why.
     *
     * <p>Whether the event itself is stored is not probed here (10,000 index lookups per batch):
     * a queue entry whose event is missing is sealed, and the verifier reports that seq as a
     * malformed event, as it reports an event deleted after sealing.
     */
    private static void checkQueued(Queued entry, byte[] bytes, String tenant, String tenantMember) {
        String problem = null;
        if (!Arrays.equals(bytes, 0, Math.min(bytes.length, CANONICAL_PREFIX.length), CANONICAL_PREFIX, 0, CANONICAL_PREFIX.length)) {
            problem = "is queued without the canonical form " + CanonicalEncoding.VERSION;
        } else {
            // One byte per char, so an ASCII member matches exactly where its bytes are; indexOf on
            // such a string is the JDK's vectorised search.
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            if (!text.contains(member("event_id", entry.eventId().toString())) || !text.contains(tenantMember)) {
                problem = "is queued with the canonical bytes of another event";
            }
        }
        if (problem != null) {
            throw new IllegalStateException("event %s of %s %s".formatted(entry.eventId(), tenant, problem));
        }
    }

    /** {@code "name":"value"} as the canonical form writes a member whose value needs no escaping. */
    private static String member(String name, String value) {
        return "\"" + name + "\":\"" + value + "\"";
    }

    /** Reads, checks and encodes the stored events of queue rows that carry no canonical bytes. */
    private Map<UUID, byte[]> encodeStored(Statements sql, String tenant, List<UUID> eventIds) throws SQLException {
        sql.eventsWithoutBytes.setString(1, tenant);
        sql.eventsWithoutBytes.setArray(2, sql.eventsWithoutBytes.getConnection().createArrayOf("uuid", eventIds.toArray()));
        var ids = new ArrayList<UUID>();
        var texts = new ArrayList<String>();
        try (var rows = sql.eventsWithoutBytes.executeQuery()) {
            while (rows.next()) {
                ids.add(rows.getObject(1, UUID.class));
                texts.add(rows.getString(2));
            }
        }
        // Parsing is the costly part and the documents are independent: a large batch is parsed
        // on every core. Any failure is kept with its event (a date the fast path cannot check
        // fails in Instant.parse with a DateTimeParseException, for one), so the earliest is reported.
        int n = texts.size();
        var parsed = new AuditEvent[n];
        var invalid = new RuntimeException[n];
        var indexes = IntStream.range(0, n);
        (n >= PARALLEL_PARSE_FROM ? indexes.parallel() : indexes).forEach(i -> {
            try {
                parsed[i] = json.read(texts.get(i));
            } catch (RuntimeException e) {
                invalid[i] = e;
            }
        });
        Map<UUID, byte[]> encoded = new HashMap<>();
        for (int i = 0; i < n; i++) {
            UUID eventId = ids.get(i);
            if (invalid[i] != null) {
                throw new IllegalStateException("event %s of %s is not a valid event document: %s"
                        .formatted(eventId, tenant, invalid[i].getMessage()), invalid[i]);
            }
            AuditEvent event = parsed[i];
            if (!event.eventId().equals(eventId) || !event.tenantId().equals(tenant) || event.isSealed()) {
                throw new IllegalStateException("event %s of %s does not match its row (id, tenant or seal)".formatted(eventId, tenant));
            }
            encoded.put(eventId, CanonicalEncoding.encode(event));
        }
        return encoded;
    }

    private static void insertSeals(Connection connection, Statements sql, String tenant, List<UUID> eventIds, List<Seal> seals)
            throws SQLException {
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
        sql.insertSeals.setArray(3, connection.createArrayOf("uuid", eventIds.toArray()));
        sql.insertSeals.setArray(4, connection.createArrayOf("bytea", prevs));
        sql.insertSeals.setArray(5, connection.createArrayOf("bytea", hashes));
        int inserted = sql.insertSeals.executeUpdate();
        if (inserted != n) {
            throw new IllegalStateException("expected to seal %d events of %s, inserted %d seals".formatted(n, tenant, inserted));
        }
    }

    private Checkpoint checkpointIfDue(Connection connection, String tenant, ChainHead head) throws SQLException {
        if (head.isGenesis()) {
            return null;
        }
        var previous = CheckpointStore.latest(connection, tenant, CheckpointStore.Kind.PERIODIC).orElse(null);
        long signedSeq = previous == null ? 0 : previous.seq();
        if (head.seq() <= signedSeq) {
            return null;
        }
        Instant since = unsignedSince.getOrDefault(tenant, clock.instant());
        boolean due = head.seq() - signedSeq >= settings.checkpointEvery()
                || Duration.between(since, clock.instant()).compareTo(settings.checkpointInterval()) >= 0;
        if (!due) {
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

    /** Checks or takes the lead; true while this instance leads. */
    private boolean holdLead() {
        if (leaderConnection != null) {
            boolean alive;
            try {
                alive = leaderConnection.isValid(5);
            } catch (SQLException e) {
                alive = false;
            }
            if (alive) {
                return true;
            }
            log.warn("audit sequencer lost its leader connection; stepping down");
            stepDown();
        }
        Connection candidate = null;
        try {
            candidate = dataSource.getConnection();
            candidate.setAutoCommit(true);
            boolean won;
            try (var statement = candidate.prepareStatement(TRY_LEAD)) {
                statement.setLong(1, LEADER_LOCK);
                try (var rows = statement.executeQuery()) {
                    won = rows.next() && rows.getBoolean(1);
                }
            }
            if (!won) {
                candidate.close();
                return false;
            }
            leaderConnection = candidate;
            candidate = null;
            CheckpointStore.registerKey(leaderConnection, publicKey);
            recoverUnsigned();
            leader = true;
            log.info("audit sequencer took the lead");
            observer.leadership(true);
            return true;
        } catch (SQLException | RuntimeException e) {
            observer.failed("taking the lead", e);
            closeQuietly(candidate);
            stepDown();
            return false;
        }
    }

    /** After taking the lead: every chain signed short of its head gets a checkpoint within the interval. */
    private void recoverUnsigned() throws SQLException {
        unsignedSince.clear();
        heads.clear();
        Instant now = clock.instant();
        var connection = leaderConnection;
        connection.setAutoCommit(false);
        try {
            PlatformPath.enter(connection);
            try (var statement = connection.prepareStatement(UNSIGNED);
                 var rows = statement.executeQuery()) {
                while (rows.next()) {
                    unsignedSince.put(rows.getString(1), now);
                }
            }
            connection.commit();
        } finally {
            rollback(connection);
            connection.setAutoCommit(true);
        }
    }

    private void stepDown() {
        boolean was = leader;
        leader = false;
        releaseLead(leaderConnection);
        closeQuietly(leaderConnection);
        leaderConnection = null;
        unsignedSince.clear();
        heads.clear();
        if (was) {
            observer.leadership(false);
        }
    }

    /**
     * Gives the session lock back before the connection goes: a pooled connection is not closed
     * but returned to its pool, and would otherwise keep the lead for whoever borrows it next,
     * so no sequencer could lead until the pool retired it. A dead connection has lost the lock
     * with its session already.
     */
    private static void releaseLead(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // Not in a transaction, or broken: the unlock below tells.
        }
        try (var statement = connection.prepareStatement(RELEASE_LEAD)) {
            statement.setLong(1, LEADER_LOCK);
            statement.execute();
        } catch (SQLException broken) {
            // The session is gone, and its lock with it.
        }
    }

    private static void rollback(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; the round's next statement reports it.
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Closing a dead connection: nothing left to release.
            }
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

    /** The statements of one round, prepared once per connection and reused for every partition. */
    private static final class Statements implements AutoCloseable {
        final PreparedStatement lockPartition;
        final PreparedStatement head;
        final PreparedStatement take;
        final PreparedStatement eventsWithoutBytes;
        final PreparedStatement insertSeals;

        Statements(Connection connection) throws SQLException {
            lockPartition = connection.prepareStatement(LOCK_PARTITION);
            head = connection.prepareStatement(HEAD);
            take = connection.prepareStatement(TAKE);
            eventsWithoutBytes = connection.prepareStatement(EVENTS_WITHOUT_BYTES);
            insertSeals = connection.prepareStatement(INSERT_SEALS);
        }

        @Override
        public void close() throws SQLException {
            for (var statement : List.of(lockPartition, head, take, eventsWithoutBytes, insertSeals)) {
                statement.close();
            }
        }
    }
}
