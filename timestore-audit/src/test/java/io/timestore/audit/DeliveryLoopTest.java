package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.delivery.DeliveryCursor;
import io.timestore.audit.delivery.DeliveryFailed;
import io.timestore.audit.delivery.DeliveryLoop;
import io.timestore.audit.delivery.DeliverySink;
import io.timestore.audit.delivery.DeliveryStore;
import io.timestore.audit.delivery.DeliveryTarget;
import io.timestore.audit.delivery.DeliveryTargets;
import io.timestore.audit.delivery.SealedEvent;
import io.timestore.audit.store.PostgresEventStore;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.threeten.extra.MutableClock;

/**
 * The delivery loop against a real PostgreSQL (runtime role, platform path, the real cursor
 * table), feeding receivers that record what they acknowledged, or refuse for a while. Over 600
 * lines because each rule of the loop is checked here with the small sink that provokes it.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class DeliveryLoopTest {
    private static final DeliveryLoop.Settings FAST =
            new DeliveryLoop.Settings(7, Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofMillis(100));

    /** A receiver: remembers every event it acknowledged, per partition; refuses while told to. */
    private static final class Receiver implements DeliverySink {
        final String name;
        final Map<String, List<SealedEvent>> received = new ConcurrentHashMap<>();
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicBoolean refuses = new AtomicBoolean();
        final AtomicInteger failedCalls = new AtomicInteger();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final List<Long> offeredFrom = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        /** Events handed over with their stored record, not parsed. */
        final AtomicInteger unparsed = new AtomicInteger();
        volatile int failingCall;
        volatile boolean readsMembers = true;

        Receiver(String name) {
            this.name = name;
        }

        @Override
        public boolean readsMembers() {
            return readsMembers;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void deliver(String partition, List<SealedEvent> batch) {
            threads.add(Thread.currentThread().getName());
            offeredFrom.add(batch.getFirst().seal().seq());
            if (calls.incrementAndGet() == failingCall) {
                failedCalls.incrementAndGet();
                throw new DeliveryFailed(name + " failed this once", true, null);
            }
            if (refuses.get()) {
                failedCalls.incrementAndGet();
                throw new DeliveryFailed(name + " refused the batch: 400 invalid", false, null);
            }
            if (down.get()) {
                failedCalls.incrementAndGet();
                throw new DeliveryFailed(name + " is down", true, null);
            }
            for (var event : batch) {
                if (event.timestoreRecord() != null) {
                    unparsed.incrementAndGet();
                }
                assertThat(event.tenantId()).isEqualTo(partition);
                assertThat(event.event().isSealed()).isTrue();
            }
            received.computeIfAbsent(partition, p -> new CopyOnWriteArrayList<>()).addAll(batch);
        }

        List<Long> seqs(String partition) {
            return received.getOrDefault(partition, List.of()).stream().map(e -> e.seal().seq()).toList();
        }

        int count(String partition) {
            return received.getOrDefault(partition, List.of()).size();
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    private static void recordAndSeal(DataSource runtime, List<AuditEvent> events) {
        new PostgresEventStore(runtime, new AuditJson()).append(events);
        try (var sequencer = Sequencers.start(runtime, MutableClock.of(Events.T0, ZoneOffset.UTC), Sequencers.settings(1000, 1000, Duration.ofHours(1)),
                io.timestore.audit.chain.Sequencer.Observer.NONE)) {
            Sequencers.round(sequencer);
        }
    }

    private static List<AuditEvent> events(String tenant, int from, int count) {
        var events = new ArrayList<AuditEvent>();
        for (int i = from; i < from + count; i++) {
            events.add(Events.event(tenant, i));
        }
        return events;
    }

    private static List<Long> oneTo(long n) {
        var seqs = new ArrayList<Long>();
        for (long s = 1; s <= n; s++) {
            seqs.add(s);
        }
        return seqs;
    }

    private static DeliveryLoop loop(AuditDatabase db, DeliveryTargets targets) {
        return new DeliveryLoop(db.runtime(), new DeliveryStore(db.runtime()), targets, FAST, DeliveryLoop.Observer.NONE)
                .start();
    }

    @Test
    void every_sealed_event_reaches_the_sink_in_seq_order_per_partition_and_the_cursors_reach_the_heads(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 30));
        recordAndSeal(db.runtime(), events("globex", 0, 12));
        var receiver = new Receiver("siem");

        try (var loop = loop(db, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(receiver))))) {
            await("both partitions delivered", () -> receiver.count("acme") == 30 && receiver.count("globex") == 12);
            recordAndSeal(db.runtime(), events("acme", 30, 5));
            await("events sealed later are delivered too", () -> receiver.count("acme") == 35);
            await("the cursors reach the heads", () -> loop.store().cursors(Optional.of("siem")).stream()
                    .allMatch(c -> c.deliveredSeq() == c.headSeq()));
        }

        assertThat(receiver.seqs("acme")).containsExactlyElementsOf(oneTo(35));
        assertThat(receiver.seqs("globex")).containsExactlyElementsOf(oneTo(12));
        assertThat(receiver.threads).allMatch(name -> name.equals("audit-delivery-siem"));
        assertThat(db.count("SELECT delivered_seq FROM audit_delivery_cursors WHERE sink = 'siem' AND tenant_id = 'acme'")).isEqualTo(35);
    }

    @Test
    void a_sink_that_sends_stored_records_gets_the_events_unparsed_and_a_sink_that_reads_members_gets_them_parsed(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 20));
        var records = new Receiver("records");
        records.readsMembers = false;
        var members = new Receiver("members");

        try (var loop = loop(db, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(records), DeliveryTarget.allPartitions(members))))) {
            await("both sinks have every event", () -> records.count("acme") == 20 && members.count("acme") == 20);
        }

        assertThat(records.unparsed).hasValue(20);
        assertThat(members.unparsed).hasValue(0);
        assertThat(records.seqs("acme")).containsExactlyElementsOf(members.seqs("acme"));
    }

    @Test
    void a_sink_that_fails_for_a_while_catches_up_without_gaps_and_the_other_sink_is_not_held_up(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 20));
        var flaky = new Receiver("flaky");
        var steady = new Receiver("steady");
        flaky.down.set(true);

        try (var loop = loop(db, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(flaky), DeliveryTarget.allPartitions(steady))))) {
            await("the steady sink has everything while the flaky one keeps failing",
                    () -> steady.count("acme") == 20 && flaky.failedCalls.get() >= 3);
            recordAndSeal(db.runtime(), events("acme", 20, 10));
            await("the steady sink has the newer events too", () -> steady.count("acme") == 30);
            assertThat(flaky.count("acme")).isZero();
            assertThat(loop.store().cursors(Optional.of("flaky"))).singleElement()
                    .satisfies(c -> assertThat(c.lagEvents()).isEqualTo(30));

            flaky.down.set(false);
            await("the flaky sink caught up", () -> flaky.count("acme") == 30);
        }

        assertThat(flaky.seqs("acme")).as("no gap, no reordering after the outage").containsExactlyElementsOf(oneTo(30));
        assertThat(flaky.received.get("acme")).extracting(SealedEvent::eventId)
                .containsExactlyElementsOf(steady.received.get("acme").stream().map(SealedEvent::eventId).toList());
    }

    /** The loop reads the next batch while the sink takes the current one; a failure must not let that batch through. */
    @Test
    void a_batch_failing_in_the_middle_of_a_backlog_is_offered_again_before_the_batch_read_behind_it(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 30));
        var receiver = new Receiver("siem");
        receiver.failingCall = 2;

        try (var loop = loop(db, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(receiver))))) {
            await("everything delivered after the failure", () -> receiver.count("acme") == 30);
        }

        assertThat(receiver.failedCalls.get()).isEqualTo(1);
        // Batches of 7: 1, 8 (fails), 8 again, 15, 22, 29.
        assertThat(receiver.offeredFrom).containsExactly(1L, 8L, 8L, 15L, 22L, 29L);
        assertThat(receiver.seqs("acme")).containsExactlyElementsOf(oneTo(30));
    }

    /**
     * A receiver that takes up to 3 batches before answering the first, as the Kafka sink does, and
     * keeps the prefix rule of {@link DeliverySink#send}: once a batch failed, the batches sent behind
     * it fail too until the loop sends again from the cursor. Logs "send n" and "ack n" (n: the
     * batch's first seq, "fail n" for a failed one) in the order they happen.
     */
    private static final class Pipelined implements DeliverySink {
        final List<String> log = new CopyOnWriteArrayList<>();
        final List<Long> accepted = new CopyOnWriteArrayList<>();
        final AtomicInteger unacknowledged = new AtomicInteger();
        final AtomicInteger mostUnacknowledged = new AtomicInteger();
        volatile long failOnceAt;
        volatile long refuseSendOnceAt;
        private boolean broken;

        @Override
        public String name() {
            return "bus";
        }

        @Override
        public int batchesInFlight() {
            return 3;
        }

        @Override
        public void deliver(String partition, List<SealedEvent> batch) {
            send(partition, batch).await();
        }

        @Override
        public Acknowledgement send(String partition, List<SealedEvent> batch) {
            long first = batch.getFirst().seal().seq();
            if (first <= accepted.size() + 1) {
                broken = false; // sent again from the cursor
            }
            if (first == refuseSendOnceAt) {
                refuseSendOnceAt = 0;
                log.add("refuse " + first);
                throw new DeliveryFailed("bus refused batch " + first + " at once", true, null);
            }
            log.add("send " + first);
            mostUnacknowledged.accumulateAndGet(unacknowledged.incrementAndGet(), Math::max);
            return () -> {
                unacknowledged.decrementAndGet();
                if (first == failOnceAt || broken) {
                    failOnceAt = 0;
                    broken = true;
                    log.add("fail " + first);
                    throw new DeliveryFailed("bus lost batch " + first, true, null);
                }
                log.add("ack " + first);
                batch.forEach(event -> accepted.add(event.seal().seq()));
            };
        }
    }

    /** Records the sink's cursor as it stood when each failure was reported. */
    private static final class CursorAtFailure implements DeliveryLoop.Observer {
        final List<Long> cursors = new CopyOnWriteArrayList<>();
        final DeliveryStore store;

        CursorAtFailure(DeliveryStore store) {
            this.store = store;
        }

        @Override
        public void failed(String sink, String partition, int attempt, Duration retryIn, Exception cause) {
            cursors.add(store.cursors(Optional.of(sink)).getFirst().deliveredSeq());
        }
    }

    /**
     * Batches in flight (docs/audit-delivery.md, "Batches in flight"): the next batches go out before
     * the first is acknowledged; the cursor moves only over the acknowledged prefix, so when the second
     * batch fails with two more behind it, the cursor stays after the first and delivery starts again
     * from the failed one: nothing skipped, nothing out of order.
     */
    @Test
    void with_batches_in_flight_the_cursor_moves_only_over_the_acknowledged_prefix_and_a_failure_restarts_from_it(
            AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 30));
        var sink = new Pipelined();
        sink.failOnceAt = 8;
        var store = new DeliveryStore(db.runtime());
        var observer = new CursorAtFailure(store);

        try (var loop = new DeliveryLoop(db.runtime(), store, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(sink))), FAST,
                observer).start()) {
            await("everything acknowledged", () -> sink.accepted.size() == 30
                    && store.cursors(Optional.of("bus")).getFirst().deliveredSeq() == 30);
        }

        // Batches of 7 (first seqs 1, 8, 15, 22, 29); three unacknowledged at most.
        assertThat(sink.log).containsExactly(
                "send 1", "send 8", "send 15", "ack 1", "send 22", "fail 8", "fail 15", "fail 22",
                "send 8", "send 15", "send 22", "ack 8", "send 29", "ack 15", "ack 22", "ack 29");
        assertThat(observer.cursors).as("the cursor when the failure was reported").containsExactly(7L);
        assertThat(sink.accepted).containsExactlyElementsOf(oneTo(30));
        assertThat(sink.mostUnacknowledged.get()).isEqualTo(3);
    }

    /**
     * A sink that refuses a batch at once (its {@code send} throws) gets nothing more in that pass: a
     * batch sent behind the refused one could reach the receiver before it is sent again, and a
     * consumer keeping the highest seq it saw would drop the refused one for good. The batches sent
     * before it are still settled, and delivery goes on from the refused batch.
     */
    @Test
    void after_a_send_refused_at_once_nothing_more_is_sent_until_the_refused_batch_is_sent_again(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 30));
        var sink = new Pipelined();
        sink.refuseSendOnceAt = 15;
        var store = new DeliveryStore(db.runtime());

        try (var loop = new DeliveryLoop(db.runtime(), store, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(sink))), FAST,
                DeliveryLoop.Observer.NONE).start()) {
            await("everything acknowledged", () -> sink.accepted.size() == 30
                    && store.cursors(Optional.of("bus")).getFirst().deliveredSeq() == 30);
        }

        assertThat(sink.log).containsExactly(
                "send 1", "send 8", "refuse 15", "ack 1", "ack 8",
                "send 15", "send 22", "send 29", "ack 15", "ack 22", "ack 29");
        assertThat(sink.accepted).containsExactlyElementsOf(oneTo(30));
    }

    /**
     * A receiver that goes silent after the first batch, as a Kafka broker that went down: every
     * later acknowledgement waits until its thread is interrupted (the sink's own timeout being far
     * away), then fails.
     */
    private static final class Silent implements DeliverySink {
        final List<String> log = new CopyOnWriteArrayList<>();
        final CountDownLatch waiting = new CountDownLatch(1);
        private final CountDownLatch never = new CountDownLatch(1);

        @Override
        public String name() {
            return "bus";
        }

        @Override
        public int batchesInFlight() {
            return 3;
        }

        @Override
        public void deliver(String partition, List<SealedEvent> batch) {
            send(partition, batch).await();
        }

        @Override
        public Acknowledgement send(String partition, List<SealedEvent> batch) {
            long first = batch.getFirst().seal().seq();
            log.add("send " + first);
            return () -> {
                if (first == 1) {
                    log.add("ack 1");
                    return;
                }
                waiting.countDown();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    log.add("interrupted " + first);
                    throw new DeliveryFailed("bus: interrupted while waiting for batch " + first, false, null);
                }
            };
        }
    }

    /** Counts what the loop reports as failures of its sinks. */
    private static final class Failures implements DeliveryLoop.Observer {
        final AtomicInteger reported = new AtomicInteger();

        @Override
        public void failed(String sink, String partition, int attempt, Duration retryIn, Exception cause) {
            reported.incrementAndGet();
        }

        @Override
        public void parked(String sink, String partition, String reason) {
            reported.incrementAndGet();
        }
    }

    /**
     * Closing while a worker waits for its receiver (docs/audit-delivery.md, "Stopping with a receiver
     * down"): the wait is interrupted rather than waited out, the batches in flight are dropped
     * unacknowledged, the cursor stays after the acknowledged prefix, and the stop is neither a failed
     * attempt nor a reason to park, even when the sink calls its failure one that retrying cannot fix.
     */
    @Test
    void closing_while_a_worker_waits_for_its_receiver_interrupts_the_wait_and_leaves_the_cursor_after_the_acknowledged_batch(
            AuditDatabase db) throws InterruptedException {
        recordAndSeal(db.runtime(), events("acme", 0, 30));
        var sink = new Silent();
        var store = new DeliveryStore(db.runtime());
        var failures = new Failures();

        try (var loop = new DeliveryLoop(db.runtime(), store, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(sink))), FAST,
                failures).start()) {
            await("the worker waits for an acknowledgement", () -> sink.waiting.getCount() == 0);
        }

        assertThat(sink.log).containsExactly("send 1", "send 8", "send 15", "ack 1", "send 22",
                "interrupted 8", "interrupted 15", "interrupted 22");
        var cursor = store.cursors(Optional.of("bus")).getFirst();
        assertThat(cursor.deliveredSeq()).as("the cursor after the acknowledged batch").isEqualTo(7);
        assertThat(cursor.parked()).isFalse();
        assertThat(failures.reported.get()).as("failures and parkings reported").isZero();
    }

    @Test
    void a_refusal_that_retrying_cannot_fix_parks_the_partition_durably_until_resumed(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 5));
        var picky = new Receiver("picky");
        picky.refuses.set(true);
        var store = new DeliveryStore(db.runtime());

        try (var loop = loop(db, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(picky))))) {
            await("the partition is parked", () -> store.cursors(Optional.of("picky")).stream().anyMatch(DeliveryCursor::parked));
            int callsWhenParked = picky.failedCalls.get();
            recordAndSeal(db.runtime(), events("acme", 5, 3));
            loop.wakeUp();
            // The loop keeps running rounds (it picks up the new head) but offers the parked partition nothing.
            await("the loop saw the new head", () -> store.cursors(Optional.of("picky")).getFirst().headSeq() == 8);
            assertThat(picky.failedCalls.get()).isEqualTo(callsWhenParked);
            assertThat(store.cursors(Optional.of("picky")).getFirst().parkedReason()).hasValue("picky refused the batch: 400 invalid");

            picky.refuses.set(false);
            assertThat(store.resume("picky", Optional.of("acme"))).isEqualTo(1);
            await("delivery resumed from where it stopped", () -> picky.count("acme") == 8);
        }
        assertThat(picky.seqs("acme")).containsExactlyElementsOf(oneTo(8));
        assertThat(store.cursors(Optional.of("picky")).getFirst().parked()).isFalse();
    }

    @Test
    void a_tenant_target_receives_only_its_partition_and_a_latest_start_skips_the_history(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 6));
        recordAndSeal(db.runtime(), events("globex", 0, 4));
        var tenantStream = new Receiver("stream:" + UUID.randomUUID());
        var fromNow = new Receiver("from-now");

        try (var loop = loop(db, DeliveryTargets.of(List.of(DeliveryTarget.onePartition(tenantStream, "globex"),
                DeliveryTarget.allPartitions(fromNow).startingAt(DeliveryTarget.Start.LATEST))))) {
            await("the tenant stream has its tenant's history", () -> tenantStream.count("globex") == 4);
            await("the latest-start sink has cursors at the heads", () -> loop.store().cursors(Optional.of("from-now")).size() == 2);
            recordAndSeal(db.runtime(), events("acme", 6, 2));
            await("the latest-start sink gets what was sealed afterwards", () -> fromNow.count("acme") == 2);
        }
        assertThat(tenantStream.received.keySet()).containsExactly("globex");
        assertThat(fromNow.seqs("acme")).containsExactly(7L, 8L);
        assertThat(fromNow.count("globex")).isZero();
    }

    @Test
    void only_one_of_two_loops_on_the_same_database_delivers(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 10));
        var first = new Receiver("siem");
        var second = new Receiver("siem");

        try (var a = loop(db, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(first))));
             var b = loop(db, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(second))))) {
            await("one of them delivered everything", () -> first.count("acme") + second.count("acme") >= 10);
            assertThat(a.isLeader() ^ b.isLeader()).as("exactly one leads").isTrue();
        }
        assertThat(first.count("acme") + second.count("acme")).isEqualTo(10);
    }

    /** Records, in order, each round's start ("R") and each batch delivered ("D") of every sink. */
    private static final class Passes implements DeliveryLoop.Observer {
        final List<String> trace = new CopyOnWriteArrayList<>();

        @Override
        public void cursors(String sink, List<DeliveryCursor> cursors) {
            trace.add("R");
        }

        @Override
        public void delivered(String sink, String partition, int events, long throughSeq, Duration took) {
            trace.add("D");
        }

        /** The rounds in which at least one batch was delivered. */
        long roundsThatDelivered() {
            return Arrays.stream(String.join("", trace).split("R")).filter(round -> round.contains("D")).count();
        }
    }

    /**
     * A lone backlog is not cut into passes of 8 batches, each one a new round (the status queries,
     * and a batch read before anything overlaps): 40 batches of 7 took 5 rounds before.
     */
    @Test
    void the_backlog_of_the_only_partition_waiting_is_delivered_without_a_new_round_every_eight_batches(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 280));
        var receiver = new Receiver("siem");
        var passes = new Passes();
        long started = System.nanoTime();

        try (var loop = new DeliveryLoop(db.runtime(), new DeliveryStore(db.runtime()),
                DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(receiver))), FAST, passes).start()) {
            await("everything delivered", () -> receiver.count("acme") == 280);
        }
        long took = System.nanoTime() - started;

        assertThat(receiver.seqs("acme")).containsExactlyElementsOf(oneTo(280));
        // A pass is cut only after DeliveryLoop.LONE_PASS (1 s): one round on a quiet machine, one more
        // per second a loaded one took (a round every eight batches would be five, whatever the time).
        long allowed = 1 + Math.ceilDiv(took, DeliveryLoop.LONE_PASS.toNanos());
        assertThat(passes.roundsThatDelivered()).as("rounds that delivered in %d ms: %s", took / 1_000_000, passes.trace)
                .isLessThanOrEqualTo(allowed);
    }

    /**
     * Reads ahead start where the batch before them should end; past a run of missing seals (a purge)
     * that guess is wrong, and the batch must be read again from the cursor, not taken as read.
     */
    @Test
    void a_run_of_missing_seals_in_the_middle_of_a_read_ahead_backlog_is_skipped_once_and_nothing_else_is(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 60));
        db.asOwner("DELETE FROM audit_seals WHERE tenant_id = 'acme' AND seq BETWEEN 10 AND 30");
        var receiver = new Receiver("siem");
        var gaps = new Gaps();
        var store = new DeliveryStore(db.runtime());

        try (var loop = new DeliveryLoop(db.runtime(), store, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(receiver))), FAST,
                gaps).start()) {
            await("the cursor reaches the head", () -> store.cursors(Optional.of("siem")).stream().anyMatch(c -> c.deliveredSeq() == 60));
        }

        var expected = new ArrayList<>(oneTo(9));
        expected.addAll(oneTo(60).subList(30, 60));
        assertThat(receiver.seqs("acme")).containsExactlyElementsOf(expected);
        assertThat(gaps.reported).containsExactly("siem acme 9..31");
    }

    /** Records the gaps the loop reports. */
    private static final class Gaps implements DeliveryLoop.Observer {
        final List<String> reported = new CopyOnWriteArrayList<>();

        @Override
        public void gap(String sink, String partition, long afterSeq, long nextSeq) {
            reported.add(sink + " " + partition + " " + afterSeq + ".." + nextSeq);
        }
    }

    @Test
    void events_missing_inside_a_batch_or_at_its_end_are_each_reported_as_a_gap_and_delivery_moves_past_them(AuditDatabase db) {
        var events = events("acme", 0, 12);
        recordAndSeal(db.runtime(), events);
        // Seals 4, 5 and 12 lose their events (as a purge gone wrong or a tampered table would leave them).
        for (int seq : new int[] {4, 5, 12}) {
            db.asOwner("DELETE FROM audit_events WHERE tenant_id = 'acme' AND event_id = ?", events.get(seq - 1).eventId());
        }
        var receiver = new Receiver("siem");
        var gaps = new Gaps();
        var store = new DeliveryStore(db.runtime());

        try (var loop = new DeliveryLoop(db.runtime(), store, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(receiver))),
                new DeliveryLoop.Settings(20, Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofMillis(100)),
                gaps).start()) {
            await("the cursor reaches the head", () -> store.cursors(Optional.of("siem")).stream()
                    .anyMatch(c -> c.deliveredSeq() == 12));
        }

        assertThat(receiver.seqs("acme")).containsExactly(1L, 2L, 3L, 6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(gaps.reported).as("each missing range once, exactly").containsExactly("siem acme 3..6", "siem acme 11..13");
    }

    /** Counts the rounds of each sink's worker. */
    private static final class Rounds implements DeliveryLoop.Observer {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void cursors(String sink, List<DeliveryCursor> cursors) {
            count.incrementAndGet();
        }
    }

    @Test
    void a_latest_start_interrupted_after_some_cursors_still_skips_the_history_of_the_other_partitions(AuditDatabase db) {
        recordAndSeal(db.runtime(), events("acme", 0, 6));
        recordAndSeal(db.runtime(), events("globex", 0, 4));
        var store = new DeliveryStore(db.runtime());
        // The sink's first round created acme's cursor at its head, then the instance died (or lost the lead).
        store.ensure("from-now", "acme", 6);
        var fromNow = new Receiver("from-now");

        try (var loop = loop(db, DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(fromNow).startingAt(DeliveryTarget.Start.LATEST))))) {
            await("the other partition's cursor exists", () -> store.cursors(Optional.of("from-now")).size() == 2);
            recordAndSeal(db.runtime(), events("globex", 4, 2));
            recordAndSeal(db.runtime(), events("acme", 6, 1));
            await("what was sealed afterwards arrives", () -> fromNow.count("globex") >= 2 && fromNow.count("acme") == 1);
        }
        assertThat(fromNow.seqs("globex")).as("globex existed when the sink started: only what came later").containsExactly(5L, 6L);
        assertThat(fromNow.seqs("acme")).containsExactly(7L);
    }

    @Test
    void a_latest_start_with_no_partition_yet_receives_every_partition_that_appears_afterwards_from_its_beginning(AuditDatabase db) {
        var fromNow = new Receiver("from-now");
        var rounds = new Rounds();

        try (var loop = new DeliveryLoop(db.runtime(), new DeliveryStore(db.runtime()),
                DeliveryTargets.of(List.of(DeliveryTarget.allPartitions(fromNow).startingAt(DeliveryTarget.Start.LATEST))), FAST, rounds)
                .start()) {
            await("the sink ran a round with nothing sealed", () -> rounds.count.get() >= 2);
            recordAndSeal(db.runtime(), events("globex", 0, 3));
            await("the new partition's events arrive", () -> fromNow.count("globex") == 3);
        }
        assertThat(fromNow.seqs("globex")).containsExactly(1L, 2L, 3L);
    }
}
