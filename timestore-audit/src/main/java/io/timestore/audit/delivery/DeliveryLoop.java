package io.timestore.audit.delivery;

import io.timestore.audit.cluster.Leadership;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery loop (issue #17, docs/audit-delivery.md): feeds every {@link DeliveryTarget} the
 * sealed trail, partition by partition in {@code seq} order, in batches, and moves the target's
 * durable cursor ({@link DeliveryStore}) only after its sink returned.
 *
 * <p><b>Leadership.</b> Like the sequencer, any number of instances run a loop and one leads: the
 * leader holds the session advisory lock {@link #LEADER_LOCK} on a dedicated connection (a
 * {@link Leadership}); the others
 * try again every {@code leaderRetry}. A leader whose lock connection died stops its workers. Two
 * instances can briefly both deliver (the old leader finishing a batch): delivery is at-least-once
 * anyway, and a cursor never moves back.
 *
 * <p><b>Independence.</b> Each target has its own worker, a virtual thread, so a sink that is down
 * or slow pauses only itself: never a request, the sequencer or another sink. A worker visits its
 * partitions round robin, a few batches each per pass. A retryable {@link DeliveryFailed} (or any
 * other exception of the sink) backs that (sink, partition) off exponentially with jitter and the
 * same events are offered again; a failure that is not retryable parks the cursor durably
 * ({@link DeliveryStore#park}) until an operator resumes it.
 *
 * <p><b>New partitions and new sinks.</b> Every round asks {@link DeliveryTargets} and lists the
 * partitions with sealed events, so tenants and targets that appear are picked up within one poll
 * interval. A partition without a cursor starts at its oldest retained event; for a target starting
 * at {@link DeliveryTarget.Start#LATEST}, at the last event the partition had sealed when the sink
 * started (its first cursor's creation, see {@link DeliveryStore#ensureLatest}), so only what is
 * sealed afterwards is delivered, however the creation of its cursors was interrupted or raced.
 *
 * <p><b>Read-ahead.</b> While a sink takes a batch, its worker reads the partition's next batches
 * ({@link ReadAhead}: up to {@link #READ_AHEAD} at once, each on a short-lived virtual thread), so
 * the database and the parsing overlap the sink's work and each other; the cursor still moves only
 * after the sink acknowledged, and batches read ahead of a failed one are dropped. A pass over the
 * only partition of a sink with a backlog is not cut every {@link #BATCHES_PER_PASS} batches (up to
 * {@link #LONE_PASS}), so a catch-up does not pay a round's status queries and an unshared batch
 * read every few batches.
 *
 * <p><b>Batches in flight.</b> A sink that allows it ({@link DeliverySink#batchesInFlight}, Kafka)
 * gets the next batches of a partition before the first is acknowledged; acknowledgements are
 * awaited in order and the cursor moves only over the prefix of batches that are all acknowledged.
 * From the first failure on, the batches behind it are awaited and dropped, and the partition is
 * offered again from the cursor (docs/audit-delivery.md, "Batches in flight").
 *
 * <p><b>Stopping.</b> {@link #close} stops the workers; each finishes the batch it is in, for up to
 * {@link #STOP_GRACE}. A worker still waiting for its sink then (a broker that is down, whose
 * acknowledgement could take the sink's whole delivery timeout) is interrupted in that wait, never
 * in a statement of its own: its batches in flight stay unacknowledged, the cursor does not move
 * over them, nothing is parked or counted as a failed attempt, and they are delivered again from
 * the cursor by the next leader (docs/audit-delivery.md, "Stopping with a receiver down").
 *
 * <p>Thread-safe. Owns one platform thread (the coordinator), one virtual thread per target and,
 * while a worker delivers a backlog, that worker's read-ahead threads.
 * <p>Over 800 lines because leadership, the coordinator's rounds and the per-target {@code Worker}
 * (batches, read-ahead, backoff, parking) share the loop's state and its one shutdown path; the
 * worker is an inner class rather than a file of its own so that its lifecycle cannot outlive the
 * loop's lock connection.
 */
public final class DeliveryLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryLoop.class);

    /** The session advisory lock key of the delivering instance: ASCII {@code "tsauddlv"}. */
    public static final long LEADER_LOCK = 0x7473_6175_6464_6c76L;
    /** Batches one partition gets per pass before the worker moves on to the next partition that waits. */
    static final int BATCHES_PER_PASS = 8;
    /** How long a pass over the only partition of a sink with a backlog may go on before the next round. */
    public static final Duration LONE_PASS = Duration.ofSeconds(1);
    /** The most events read ahead of the batch a sink takes, in at most {@link #READ_AHEAD} batches (at least one). */
    static final int EVENTS_AHEAD = 3_000;
    /** The most batches of a partition read at once while its sink takes one. */
    static final int READ_AHEAD = 3;
    /** Reads beyond each worker's first one in flight, for all workers together (each holds a connection while it runs). */
    static final int DEEP_READS = 2;
    private static final Duration JOIN = Duration.ofSeconds(10);
    /** How long a closing loop lets its workers finish the batches they are in before it interrupts their sinks' waits. */
    static final Duration STOP_GRACE = Duration.ofSeconds(1);

    /**
     * How the loop paces itself.
     *
     * @param batchSize    the most events handed to a sink in one call
     * @param pollInterval how often an idle worker looks for newly sealed events (and the leader for new targets)
     * @param backoffMin   the pause after a first failed attempt
     * @param backoffMax   the longest pause between attempts
     * @param leaderRetry  how often an instance that does not lead tries to take the lead
     */
    public record Settings(int batchSize, Duration pollInterval, Duration backoffMin, Duration backoffMax,
                           Duration leaderRetry) {
        public Settings {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be positive (found " + batchSize + ")");
            }
            for (var d : List.of(pollInterval, backoffMin, backoffMax, leaderRetry)) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("durations must be positive (found " + d + ")");
                }
            }
            if (backoffMax.compareTo(backoffMin) < 0) {
                throw new IllegalArgumentException("backoffMax must not be shorter than backoffMin");
            }
        }

        /** 1,000-event batches, 200 ms polls, back off from 1 s up to 10 s, retry the lead every 5 s. */
        public static Settings defaults() {
            return new Settings(1_000, Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(5));
        }
    }

    /**
     * What the loop reports, for metrics and logs. Called from the loop's threads (a worker reports
     * its own sink); implementations must be fast, thread-safe and must not throw. No-op defaults.
     */
    public interface Observer {
        /** This instance took ({@code true}) or lost ({@code false}) the lead. */
        default void leadership(boolean leader) {}

        /** {@code events} of {@code partition} were acknowledged by {@code sink}, through {@code throughSeq}. */
        default void delivered(String sink, String partition, int events, long throughSeq, Duration took) {}

        /** An attempt failed; the same events are offered again after {@code retryIn}. */
        default void failed(String sink, String partition, int attempt, Duration retryIn, Exception cause) {}

        /** The sink refused in a way retrying cannot fix: the cursor is parked until resumed. */
        default void parked(String sink, String partition, String reason) {}

        /**
         * The sealed events strictly between {@code afterSeq} and {@code nextSeq} are no longer stored
         * and are skipped: {@code nextSeq - afterSeq - 1} of them. Reported once per run of missing
         * events, wherever it lies (before, inside or after a batch's events), before the batch is offered.
         */
        default void gap(String sink, String partition, long afterSeq, long nextSeq) {}

        /** The sink's cursors at the start of a worker's round (only the partitions it receives). */
        default void cursors(String sink, List<DeliveryCursor> cursors) {}

        /** A target disappeared from {@link DeliveryTargets}: its worker stopped (its cursors stay). */
        default void removed(String sink) {}

        /** Something outside a sink failed (the database, the targets); the loop carries on. */
        default void error(String what, Exception cause) {}

        Observer NONE = new Observer() {};
    }

    private final Leadership lead;
    private final DeliveryStore store;
    private final DeliveryTargets targets;
    private final Settings settings;
    private final Observer observer;
    private final Thread coordinator;
    private final Semaphore wake = new Semaphore(0);
    private final Semaphore deepReads = new Semaphore(DEEP_READS);
    private final Map<String, Worker> workers = new HashMap<>();
    private final Map<String, Worker> stopping = new HashMap<>();
    private volatile boolean closed;
    private volatile boolean leader;

    /**
     * @param dataSource runtime-role connections: one is held while leading, the store borrows others briefly
     * @param store      the cursors and the sealed events
     * @param targets    asked every round
     */
    public DeliveryLoop(DataSource dataSource, DeliveryStore store, DeliveryTargets targets, Settings settings, Observer observer) {
        this.lead = new Leadership(Objects.requireNonNull(dataSource, "dataSource"), LEADER_LOCK);
        this.store = Objects.requireNonNull(store, "store");
        this.targets = Objects.requireNonNull(targets, "targets");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.observer = Objects.requireNonNull(observer, "observer");
        this.coordinator = Thread.ofPlatform().name("audit-delivery").daemon().unstarted(this::coordinate);
    }

    /** Starts the coordinator; it tries to take the lead at once. */
    public DeliveryLoop start() {
        coordinator.start();
        return this;
    }

    /** Whether this instance currently delivers. */
    public boolean isLeader() {
        return leader;
    }

    /** Ends the current pause of the coordinator and of every worker (e.g. after sealing). */
    public void wakeUp() {
        wake.release();
        List<Worker> running;
        synchronized (workers) {
            running = List.copyOf(workers.values());
        }
        running.forEach(Worker::wakeUp);
    }

    /** The store the loop works on (for status and resume by operator tools). */
    public DeliveryStore store() {
        return store;
    }

    private void coordinate() {
        while (!closed) {
            try {
                // Without targets there is nothing to lead: no lock, no connection held.
                if (hasTargets() && holdLead()) {
                    syncWorkers();
                } else {
                    stopWorkers();
                    if (leader && !hasTargets()) {
                        joinStopping(JOIN);
                        stepDown();
                    }
                }
            } catch (RuntimeException unexpected) {
                observer.error("delivery round", unexpected);
                log.error("audit delivery round failed", unexpected);
            }
            try {
                wake.tryAcquire((leader ? settings.pollInterval() : settings.leaderRetry()).toNanos(), TimeUnit.NANOSECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                break;
            }
        }
        stopWorkers();
        joinStopping(STOP_GRACE);
        abandonStopping();
        joinStopping(JOIN);
        stepDown();
    }

    /** Interrupts every stopping worker that still waits for its sink (see {@link Worker#abandon}). */
    private void abandonStopping() {
        List<Worker> all;
        synchronized (workers) {
            all = List.copyOf(stopping.values());
        }
        all.forEach(Worker::abandon);
    }

    private boolean hasTargets() {
        try {
            return !targets.current().isEmpty();
        } catch (RuntimeException e) {
            observer.error("listing delivery targets", e);
            return leader;
        }
    }

    private void syncWorkers() {
        List<DeliveryTarget> current;
        try {
            current = targets.current();
        } catch (RuntimeException e) {
            observer.error("listing delivery targets", e);
            return;
        }
        var wanted = new LinkedHashMap<String, DeliveryTarget>();
        for (var target : current) {
            if (wanted.putIfAbsent(target.sink().name(), target) != null) {
                log.warn("audit delivery: two targets named {}; only the first is fed", target.sink().name());
            }
        }
        synchronized (workers) {
            stopping.values().removeIf(worker -> !worker.thread.isAlive());
            for (var it = workers.entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                if (!wanted.containsKey(entry.getKey())) {
                    entry.getValue().stop();
                    stopping.put(entry.getKey(), entry.getValue());
                    it.remove();
                    observer.removed(entry.getKey());
                }
            }
            wanted.forEach((name, target) -> {
                var worker = workers.get(name);
                if (worker != null) {
                    worker.target = target;
                } else if (!stopping.containsKey(name)) {
                    // A stopped worker of the same name may still be inside its sink: wait for it,
                    // so one sink is never called from two threads.
                    var started = new Worker(target);
                    workers.put(name, started);
                    started.thread.start();
                }
            });
        }
    }

    private void stopWorkers() {
        synchronized (workers) {
            workers.forEach((name, worker) -> {
                worker.stop();
                stopping.put(name, worker);
            });
            workers.clear();
        }
    }

    private void joinStopping(Duration patience) {
        List<Worker> all;
        synchronized (workers) {
            all = List.copyOf(stopping.values());
        }
        long deadline = System.nanoTime() + patience.toNanos();
        for (var worker : all) {
            try {
                worker.thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Checks or takes the lead; true while this instance leads. */
    private boolean holdLead() {
        if (lead.isHeld()) {
            if (lead.isAlive()) {
                return true;
            }
            log.warn("audit delivery lost its leader connection; stepping down");
            stepDown();
        }
        try {
            if (!lead.tryAcquire()) {
                return false;
            }
            leader = true;
            log.info("audit delivery took the lead");
            observer.leadership(true);
            return true;
        } catch (SQLException | RuntimeException e) {
            observer.error("taking the delivery lead", e);
            return false;
        }
    }

    private void stepDown() {
        boolean was = leader;
        leader = false;
        lead.release();
        if (was) {
            observer.leadership(false);
        }
    }

    /**
     * Stops the workers, then gives up the lead. Each worker finishes the batch it is in for up to
     * {@link #STOP_GRACE}; one still waiting for its sink after that is interrupted in the wait, its
     * batches in flight left unacknowledged (delivered again later, from the cursor). Returns once
     * the workers ended, or after a bounded wait for them.
     */
    @Override
    public void close() {
        closed = true;
        wake.release();
        if (coordinator.isAlive()) {
            try {
                coordinator.join(JOIN.plus(JOIN));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            stepDown();
        }
    }

    /** Retry state of one (sink, partition). */
    private static final class Retry {
        int attempts;
        long notBefore;
    }

    /** One target's worker: its own virtual thread, its sink called from it alone. */
    private final class Worker {
        private final Thread thread;
        private final Semaphore poke = new Semaphore(0);
        private final Map<String, Retry> retries = new HashMap<>();
        private final Map<String, Long> gapsReported = new HashMap<>();
        /** The database time of this worker's first round: a latest-start sink without any cursor starts there. */
        private Instant firstRound;
        private volatile DeliveryTarget target;
        private volatile boolean stopped;
        /** Guards {@link #inSink} and {@link #abandoned}, so that {@link #abandon} interrupts only a wait for the sink. */
        private final Object sinkWait = new Object();
        private boolean inSink;
        private boolean abandoned;

        Worker(DeliveryTarget target) {
            this.target = target;
            this.thread = Thread.ofVirtual().name("audit-delivery-" + target.sink().name()).unstarted(this::run);
        }

        void stop() {
            stopped = true;
            poke.release();
        }

        void wakeUp() {
            poke.release();
        }

        /**
         * The loop is closing and will not wait for this worker's sink: interrupts the worker if it is
         * in a call to its sink now ({@link #inSink(Supplier)}), and makes every later call start
         * interrupted, so that the batches behind it are dropped at once. Never interrupts a
         * statement of the store (a connection of the pool would be closed by it).
         */
        void abandon() {
            synchronized (sinkWait) {
                abandoned = true;
                if (inSink) {
                    thread.interrupt();
                }
            }
        }

        /**
         * Calls the sink (sends a batch or awaits an acknowledgement) where {@link #abandon} may
         * interrupt it. The interrupt is cleared on the way out, whatever the sink did with it: it
         * ends the sink's wait only, and the worker goes on to settle its pass without it.
         */
        private <T> T inSink(Supplier<T> call) {
            synchronized (sinkWait) {
                inSink = true;
                if (abandoned) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                return call.get();
            } finally {
                synchronized (sinkWait) {
                    inSink = false;
                    Thread.interrupted();
                }
            }
        }

        private boolean running() {
            return !stopped && !closed && leader;
        }

        private void run() {
            while (running()) {
                boolean busy = false;
                Duration pause = settings.pollInterval();
                try {
                    busy = round();
                } catch (RuntimeException e) {
                    observer.error("delivery to " + target.sink().name(), e);
                    log.warn("audit delivery to {}: {}", target.sink().name(), e.getMessage());
                    pause = settings.backoffMin();
                }
                if (!busy) {
                    try {
                        poke.tryAcquire(pause.toNanos(), TimeUnit.NANOSECONDS);
                        poke.drainPermits();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        /** One pass over the target's partitions; true when a batch was delivered (so go on at once). */
        private boolean round() {
            var current = target;
            var name = current.sink().name();
            if (firstRound == null) {
                firstRound = store.now();
            }
            var heads = store.heads();
            var cursors = received(current, store.cursors(Optional.of(name)));
            boolean created = false;
            for (var head : heads.values()) {
                if (current.receives(head.partition()) && !cursors.containsKey(head.partition())) {
                    if (current.start() == DeliveryTarget.Start.LATEST) {
                        store.ensureLatest(name, head.partition(), firstRound);
                    } else {
                        store.ensure(name, head.partition(), 0);
                    }
                    created = true;
                }
            }
            if (created) {
                cursors = received(current, store.cursors(Optional.of(name)));
            }
            observer.cursors(name, List.copyOf(cursors.values()));
            var waiting = cursors.values().stream()
                    .filter(c -> !c.parked() && c.lagEvents() > 0 && !backingOff(c.partition())).toList();
            boolean delivered = false;
            for (var cursor : waiting) {
                if (!running()) {
                    return false;
                }
                delivered |= deliverPartition(current, cursor, waiting.size() > 1);
            }
            return delivered;
        }

        /**
         * One partition's pass: batches until its head (as of the round's start), at most
         * {@link #BATCHES_PER_PASS} of them when {@code shared} (another partition of this sink waits
         * too), else for up to {@link #LONE_PASS} (a lone backlog is not cut into rounds, each costing
         * the status queries and a batch read before anything overlaps). While the sink takes a batch
         * the next ones are already being read ({@link ReadAhead}), and a sink that allows it
         * ({@link DeliverySink#batchesInFlight}) already gets the next ones before the first is
         * acknowledged ({@link InFlight}). Neither changes what is durable: the cursor moves only over
         * a prefix of acknowledged batches, and what was read or sent after a batch that failed is
         * dropped and offered again from that batch on.
         */
        private boolean deliverPartition(DeliveryTarget current, DeliveryCursor cursor, boolean shared) {
            var partition = cursor.partition();
            long seq = cursor.deliveredSeq();
            long head = cursor.headSeq();
            long batches = shared ? BATCHES_PER_PASS : Long.MAX_VALUE;
            long until = System.nanoTime() + LONE_PASS.toNanos();
            var inFlight = new InFlight(current, partition, seq);
            try (var ahead = new ReadAhead(store, partition, settings.batchSize(), current.sink().readsMembers(), readAheadDepth(settings), head, deepReads,
                    "audit-delivery-read-" + current.sink().name())) {
                for (long i = 0; i < batches && seq < head && running() && !inFlight.failed(); i++) {
                    // Past LONE_PASS no new read starts; the batches already read are still delivered, not wasted.
                    boolean reading = shared || i == 0 || System.nanoTime() - until < 0;
                    if (!reading && ahead.inFlight() == 0) {
                        break;
                    }
                    var batch = readOrPark(current, partition, seq, ahead, inFlight);
                    if (batch == null || batch.throughSeq() <= seq) {
                        break;
                    }
                    if (reading) {
                        ahead.fill(batch.throughSeq(), batches - i - 1);
                    }
                    inFlight.send(batch);
                    seq = batch.throughSeq();
                }
            } finally {
                inFlight.settleAll();
            }
            return inFlight.delivered;
        }

        private static Map<String, DeliveryCursor> received(DeliveryTarget current, List<DeliveryCursor> all) {
            var cursors = new LinkedHashMap<String, DeliveryCursor>();
            for (var cursor : all) {
                if (current.receives(cursor.partition())) {
                    cursors.put(cursor.partition(), cursor);
                }
            }
            return cursors;
        }

        private boolean backingOff(String partition) {
            var retry = retries.get(partition);
            return retry != null && System.nanoTime() - retry.notBefore < 0;
        }

        /**
         * The batch after {@code afterSeq}, read now or taken from {@code ahead}, or
         * null when an event cannot be read (the cursor is parked then).
         */
        private DeliveryStore.Batch readOrPark(DeliveryTarget current, String partition, long afterSeq, ReadAhead ahead,
                                               InFlight inFlight) {
            try {
                return ahead.next(afterSeq);
            } catch (IllegalArgumentException unreadable) {
                // The batches before it are delivered and the cursor moved over them first: it parks right before the event.
                inFlight.settleAll();
                if (!inFlight.failed()) {
                    var reason = "an event after seq " + afterSeq + " cannot be read: " + unreadable.getMessage();
                    park(current.sink().name(), partition, reason);
                }
                return null;
            }
        }

        /** A batch handed to the sink and not settled yet. */
        private record Sent(DeliveryStore.Batch batch, DeliverySink.Acknowledgement ack, long started) {}

        /**
         * The batches of one partition's pass that the sink has and has not acknowledged yet, oldest
         * first; at most {@link DeliverySink#batchesInFlight} of them (1 for a sink that delivers
         * synchronously, whose {@code send} returns acknowledged). Acknowledgements are awaited in the
         * order the batches were sent and the cursor is moved after each one, so it covers exactly the
         * prefix of acknowledged batches. At the first failure the batches behind it are dropped: each
         * is awaited (so that nothing of this pass is still on its way when the partition is offered
         * again) and its outcome ignored, even an acknowledgement, since the cursor never skips the
         * failed batch. Then that batch backs off (or parks) as a synchronous failure did.
         */
        private final class InFlight {
            private final DeliveryTarget current;
            private final String partition;
            private final int window;
            private final ArrayDeque<Sent> sent = new ArrayDeque<>();
            boolean delivered;
            private boolean failed;
            /** A send was refused: nothing more is sent in this pass (see send). */
            private boolean refused;
            /** Where the cursor stands: the last seq of the acknowledged prefix. */
            private long acknowledgedSeq;

            InFlight(DeliveryTarget current, String partition, long cursorSeq) {
                this.current = current;
                this.partition = partition;
                this.window = Math.max(1, current.sink().batchesInFlight());
                this.acknowledgedSeq = cursorSeq;
            }

            /** Whether this pass must send nothing more: a batch failed, or the sink refused one at once. */
            boolean failed() {
                return failed || refused;
            }

            /** Reports the batch's gaps, hands its events to the sink, and settles the oldest batches beyond the window. */
            void send(DeliveryStore.Batch batch) {
                var name = current.sink().name();
                reportGaps(name, partition, batch.gaps());
                long started = System.nanoTime();
                DeliverySink.Acknowledgement ack;
                if (batch.events().isEmpty()) {
                    // Every seal read lost its event: nothing to hand over, the gap is reported, move past it in turn.
                    ack = DeliverySink.Acknowledgement.DONE;
                } else {
                    try {
                        ack = inSink(() -> current.sink().send(partition, batch.events()));
                    } catch (RuntimeException refusal) {
                        // Nothing more goes out in this pass: a batch sent after a refused one could
                        // reach the receiver before the refused one is sent again, and a consumer
                        // keeping the highest seq it saw would then drop the refused one for good.
                        refused = true;
                        ack = () -> {
                            throw refusal;
                        };
                    }
                }
                sent.addLast(new Sent(batch, ack, started));
                while (sent.size() >= window && !failed) {
                    settle(sent.removeFirst());
                }
            }

            /** Settles every batch still in flight, in order. */
            void settleAll() {
                while (!sent.isEmpty()) {
                    var oldest = sent.removeFirst();
                    if (failed) {
                        drop(oldest);
                    } else {
                        settle(oldest);
                    }
                }
            }

            private void settle(Sent oldest) {
                var name = current.sink().name();
                try {
                    await(oldest);
                } catch (DeliveryFailed failure) {
                    failed = true;
                    settleAll();
                    if (!running()) {
                        stoppedWaiting(name);
                    } else if (!failure.retryable()) {
                        park(name, partition, failure.getMessage());
                    } else {
                        backOff(name, partition, failure);
                    }
                    return;
                } catch (RuntimeException broken) {
                    failed = true;
                    settleAll();
                    if (!running()) {
                        stoppedWaiting(name);
                    } else {
                        backOff(name, partition, broken);
                    }
                    return;
                }
                var batch = oldest.batch();
                long through = batch.throughSeq();
                try {
                    store.advance(name, partition, through);
                } catch (RuntimeException storeFailure) {
                    // The batches behind it are still awaited (nothing of this pass left on its way);
                    // the partition is offered again from the cursor, which did not move: redelivery only.
                    failed = true;
                    settleAll();
                    backOff(name, partition, storeFailure);
                    return;
                }
                delivered = true;
                acknowledgedSeq = through;
                if (!batch.events().isEmpty()) {
                    retries.remove(partition);
                    observer.delivered(name, partition, batch.events().size(), through,
                            Duration.ofNanos(System.nanoTime() - oldest.started()));
                }
            }

            private void drop(Sent dropped) {
                try {
                    await(dropped);
                } catch (RuntimeException ignored) {
                    // Offered again from the failed batch before it anyway.
                }
            }

            private void await(Sent sent) {
                inSink(() -> {
                    sent.ack().await();
                    return null;
                });
            }

            /**
             * A batch failed because the worker stopped (the loop closing interrupts a wait for the
             * sink, see {@link #abandon}), or failed while it was stopping: not a failed attempt of
             * the sink and never a reason to park. The cursor stays where the acknowledged prefix
             * ends, and the next leader offers the rest again from there.
             */
            private void stoppedWaiting(String name) {
                log.info("audit delivery to {} stopped with batches of {} in flight: the events after seq {} stay unacknowledged "
                        + "and are delivered again", name, partition, acknowledgedSeq);
            }
        }

        /**
         * Each missing seq once, not again on every retry of the batch behind it (a gap that grew
         * meanwhile, retention purging further, is reported for its new part only).
         */
        private void reportGaps(String name, String partition, List<DeliveryStore.Gap> gaps) {
            for (var gap : gaps) {
                var reported = gapsReported.get(partition);
                long after = reported == null ? gap.afterSeq() : Math.max(gap.afterSeq(), reported - 1);
                if (gap.nextSeq() <= after + 1) {
                    continue;
                }
                gapsReported.put(partition, gap.nextSeq());
                observer.gap(name, partition, after, gap.nextSeq());
                log.warn("audit delivery to {}: {} event(s) of {} (seq {} to {}) are no longer stored and were not delivered",
                        name, gap.nextSeq() - after - 1, partition, after + 1, gap.nextSeq() - 1);
            }
        }

        private void park(String name, String partition, String reason) {
            store.park(name, partition, reason);
            retries.remove(partition);
            observer.parked(name, partition, reason == null ? "refused" : reason);
            log.error("audit delivery to {} parked for partition {}: {}", name, partition, reason);
        }

        private void backOff(String name, String partition, Exception cause) {
            var retry = retries.computeIfAbsent(partition, p -> new Retry());
            retry.attempts++;
            var pause = backoff(settings, retry.attempts);
            retry.notBefore = System.nanoTime() + pause.toNanos();
            observer.failed(name, partition, retry.attempts, pause, cause);
            if (retry.attempts == 1 || Integer.bitCount(retry.attempts) == 1) {
                log.warn("audit delivery to {} failed for partition {} (attempt {}; next in {} ms): {}", name, partition,
                        retry.attempts, pause.toMillis(), cause.getMessage());
            }
        }
    }

    /**
     * The pause before attempt {@code attempts + 1}: {@code backoffMin · 2^(attempts-1)}, capped at
     * {@code backoffMax}, of which a random half is kept ("equal jitter"), so retries of many
     * sinks after a shared outage do not arrive in step.
     */
    static Duration backoff(Settings settings, int attempts) {
        long min = settings.backoffMin().toMillis();
        long max = settings.backoffMax().toMillis();
        long exponential = attempts >= 40 ? max : Math.min(max, min << Math.max(0, attempts - 1));
        if (exponential < 0) {
            exponential = max;
        }
        long half = exponential / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    /** Batches read ahead at once: {@link #READ_AHEAD}, fewer when they would hold over {@link #EVENTS_AHEAD} events, at least one. */
    static int readAheadDepth(Settings settings) {
        return Math.max(1, Math.min(READ_AHEAD, EVENTS_AHEAD / settings.batchSize()));
    }

    /** For tests and tools: the workers currently running, by sink name. */
    List<String> runningSinks() {
        synchronized (workers) {
            return new ArrayList<>(workers.keySet());
        }
    }
}
