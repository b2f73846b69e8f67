package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.chain.Chain;
import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.retention.Retention;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.audit.tlog.CompactRange;
import io.timestore.audit.tlog.PostgresNodeStore;
import io.timestore.audit.tlog.Rfc6962;
import io.timestore.audit.verify.AuditVerification;
import io.timestore.audit.verify.VerificationResult;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.threeten.extra.MutableClock;

/** The sequencer against a real PostgreSQL, as the runtime role on the platform path. */
@ExtendWith(EmbeddedPostgresExtension.class)
class SequencerTest {
    private final AuditJson json = new AuditJson();
    private final MutableClock clock = MutableClock.of(Events.T0, ZoneOffset.UTC);

    private static final class Recording implements Sequencer.Observer {
        final List<Checkpoint> checkpoints = new CopyOnWriteArrayList<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicLong sealed = new AtomicLong();
        final AtomicLong lastUnsealed = new AtomicLong(-1);
        volatile Duration lastLag = Duration.ZERO;

        @Override
        public void sealed(String tenantId, int events, Duration took) {
            sealed.addAndGet(events);
        }

        @Override
        public void checkpointed(Checkpoint checkpoint) {
            checkpoints.add(checkpoint);
        }

        @Override
        public void backlog(long unsealedEvents, Duration sealLag, Duration checkpointAge) {
            lastUnsealed.set(unsealedEvents);
            lastLag = sealLag;
        }

        @Override
        public void failed(String what, Exception cause) {
            failures.add(what + ": " + cause.getMessage());
        }
    }

    private AuditVerification verification(AuditDatabase db) {
        return new AuditVerification(db.runtime(), json, List.of(Sequencers.KEY.getPublic()), AuditVerification.KeyTrust.CONFIGURED_ONLY);
    }

    @Test
    void pending_events_of_every_partition_are_sealed_in_arrival_order_with_gap_free_seq_and_leave_the_queue(AuditDatabase db) {
        var sink = new PostgresEventStore(db.runtime(), json);
        List<AuditEvent> acme = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            var event = Events.event(i % 3 == 0 ? AuditEvent.PLATFORM_PARTITION : i % 3 == 1 ? "acme" : "globex", i);
            if (event.tenantId().equals("acme")) {
                acme.add(event);
            }
            sink.append(List.of(event));
        }
        var observer = new Recording();

        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(4, 1000, Duration.ofHours(1)), observer)) {
            var round = Sequencers.round(sequencer);

            assertThat(round.leader()).isTrue();
            assertThat(round.sealed()).isEqualTo(30);
            assertThat(observer.lastUnsealed.get()).isEqualTo(30);
        }
        assertThat(db.count("SELECT count(*) FROM audit_pending")).isZero();
        assertThat(db.count("SELECT count(*) FROM audit_seals")).isEqualTo(30);
        assertThat(db.count("SELECT max(seq) FROM audit_seals WHERE tenant_id = 'acme'")).isEqualTo(10);
        for (int i = 0; i < acme.size(); i++) {
            assertThat(db.count("SELECT seq FROM audit_seals WHERE tenant_id = 'acme' AND event_id = ?", acme.get(i).eventId()))
                    .isEqualTo(i + 1);
        }
        var report = verification(db).verifyAll();
        assertThat(report.ok()).as(report.toString()).isTrue();
        assertThat(report.partitions()).extracting(VerificationResult::tenantId).containsExactly("_platform", "acme", "globex");
        assertThat(report.eventsChecked()).isEqualTo(30);
    }

    @Test
    void a_checkpoint_is_signed_every_n_events_and_after_the_interval_for_a_tail_that_stays_unsigned(AuditDatabase db) {
        new PostgresEventStore(db.runtime(), json).append(Events.events("acme", 25));
        var observer = new Recording();

        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(10, 10, Duration.ofMinutes(1)), observer)) {
            Sequencers.round(sequencer);
            assertThat(observer.checkpoints).extracting(Checkpoint::seq).containsExactly(10L, 20L);

            Sequencers.round(sequencer);
            assertThat(observer.checkpoints).as("the interval has not passed").hasSize(2);

            clock.add(Duration.ofMinutes(1));
            Sequencers.round(sequencer);
            assertThat(observer.checkpoints).extracting(Checkpoint::seq).containsExactly(10L, 20L, 25L);
        }
        assertThat(db.count("SELECT count(*) FROM audit_checkpoints WHERE tenant_id = 'acme' AND kind = 'periodic'")).isEqualTo(3);
        assertThat(db.count("SELECT count(*) FROM audit_signing_keys WHERE key_id = ?", CheckpointKeys.keyId(Sequencers.KEY.getPublic())))
                .isEqualTo(1);
        var result = verification(db).verify("acme");
        assertThat(result.ok()).as(result.message()).isTrue();
        assertThat(result.signedThroughSeq()).isEqualTo(25);
    }

    @Test
    void events_recorded_after_a_round_continue_the_chain_from_its_head(AuditDatabase db) {
        var sink = new PostgresEventStore(db.runtime(), json);
        var events = Events.events("acme", 12);
        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 5, Duration.ofHours(1)), new Recording())) {
            sink.append(events.subList(0, 7));
            Sequencers.round(sequencer);
            sink.append(events.subList(7, 12));
            Sequencers.round(sequencer);
        }

        var expected = new Chain().seal(ChainHead.genesis("acme"), events).head();
        assertThat(db.count("SELECT max(seq) FROM audit_seals WHERE tenant_id = 'acme'")).isEqualTo(12);
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'acme' AND seq = 12 AND hash = ?", expected.hash().toBytes()))
                .isEqualTo(1);
        assertThat(verification(db).verify("acme").ok()).isTrue();
    }

    @Test
    void a_head_another_sequencer_moved_on_is_read_again_instead_of_forking_the_chain(AuditDatabase db) throws SQLException {
        var sink = new PostgresEventStore(db.runtime(), json);
        var events = Events.events("acme", 6);
        var observer = new Recording();
        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), observer)) {
            sink.append(events.subList(0, 3));
            Sequencers.round(sequencer);
            // What a second sequencer that believed it led would leave behind: a seal at seq 4.
            try (var owner = db.owner().getConnection(); var statement = owner.prepareStatement("""
                    INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash)
                    VALUES ('acme', 4, gen_random_uuid(), decode(repeat('00', 32), 'hex'), decode(repeat('11', 32), 'hex'))
                    """)) {
                owner.createStatement().execute("SELECT set_config('app.platform', 'on', false)");
                statement.execute();
                // ... and, in the same step, its leaf and the nodes the leaf completes.
                var nodes = new PostgresNodeStore(owner, "acme");
                nodes.write(CompactRange.read(nodes, 3)
                        .append(Rfc6962.leafHash(new byte[] {4})).completed());
            }
            sink.append(events.subList(3, 6));

            var collided = Sequencers.round(sequencer);
            var retried = Sequencers.round(sequencer);

            assertThat(collided.sealed()).as("the remembered head collides with seq 4 and the step rolls back").isZero();
            assertThat(observer.failures).singleElement().asString().contains("sealing partition acme");
            assertThat(retried.sealed()).isEqualTo(3);
        }
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'acme'")).isEqualTo(7);
        assertThat(db.count("SELECT min(seq) FROM audit_seals WHERE tenant_id = 'acme' AND seq > 4")).isEqualTo(5);
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'acme' AND seq = 5 AND prev_hash = decode(repeat('11', 32), 'hex')"))
                .isEqualTo(1);
    }

    @Test
    void a_checkpoint_another_sequencer_signed_is_read_again_after_a_failed_step_so_the_next_is_due_from_it(AuditDatabase db)
            throws SQLException {
        var sink = new PostgresEventStore(db.runtime(), json);
        var events = Events.events("acme", 6);
        var observer = new Recording();
        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 4, Duration.ofHours(1)), observer)) {
            sink.append(events.subList(0, 3));
            Sequencers.round(sequencer);
            // A second sequencer that believed it led: a seal at seq 4 and a periodic checkpoint of it.
            try (var owner = db.owner().getConnection(); var statement = owner.prepareStatement("""
                    INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash)
                    VALUES ('acme', 4, gen_random_uuid(), decode(repeat('00', 32), 'hex'), decode(repeat('11', 32), 'hex'))
                    """)) {
                owner.createStatement().execute("SELECT set_config('app.platform', 'on', false)");
                statement.execute();
                var nodes = new PostgresNodeStore(owner, "acme");
                nodes.write(CompactRange.read(nodes, 3).append(Rfc6962.leafHash(new byte[] {4})).completed());
                var other = new CheckpointSigner(Sequencers.KEY, clock).sign(new ChainHead("acme", 4, ChainHash.parse("11".repeat(32))), null);
                CheckpointStore.insert(owner, other, CheckpointStore.Kind.PERIODIC);
            }
            sink.append(events.subList(3, 6));

            Sequencers.round(sequencer);
            var retried = Sequencers.round(sequencer);

            assertThat(retried.sealed()).isEqualTo(3);
        }
        assertThat(observer.checkpoints).as("seq 7 is 3 events past the checkpoint at seq 4, not 4 past none").isEmpty();
        assertThat(db.count("SELECT max(seq) FROM audit_checkpoints WHERE tenant_id = 'acme' AND kind = 'periodic'")).isEqualTo(4);
    }

    @Test
    void an_idle_partitions_late_checkpoint_is_not_signed_again_when_another_sequencer_signed_its_head(AuditDatabase db)
            throws SQLException {
        new PostgresEventStore(db.runtime(), json).append(Events.events("acme", 3));
        var observer = new Recording();
        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 10, Duration.ofMinutes(1)), observer)) {
            Sequencers.round(sequencer);
            // A second sequencer that believed it led signed the head of the idle partition.
            try (var owner = db.owner().getConnection()) {
                owner.createStatement().execute("SELECT set_config('app.platform', 'on', false)");
                var head = new Chain().seal(ChainHead.genesis("acme"), Events.events("acme", 3)).head();
                CheckpointStore.insert(owner, new CheckpointSigner(Sequencers.KEY, clock).sign(head, null), CheckpointStore.Kind.PERIODIC);
            }
            clock.add(Duration.ofMinutes(1));

            Sequencers.round(sequencer);
        }
        assertThat(observer.failures).as("the late step reads the checkpoint at seq 3 instead of signing seq 3 again").isEmpty();
        assertThat(observer.checkpoints).isEmpty();
        assertThat(db.count("SELECT count(*) FROM audit_checkpoints WHERE tenant_id = 'acme' AND kind = 'periodic'")).isEqualTo(1);
    }

    @Test
    void after_retention_removed_every_seal_a_new_leader_continues_the_chain_from_the_purge_anchor(AuditDatabase db) {
        var sink = new PostgresEventStore(db.runtime(), json);
        var events = Events.events("acme", 5);
        sink.append(events.subList(0, 3));
        try (var first = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), new Recording())) {
            Sequencers.round(first);
        }
        var retention = new Retention(db.owner(), new CheckpointSigner(Sequencers.KEY, new TickingClock(Events.T0)), 100);
        var purged = retention.purge("acme", Events.T0.plus(Duration.ofDays(1))).orElseThrow();
        assertThat(purged.plan().throughSeq()).isEqualTo(3);
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'acme'")).isZero();

        sink.append(events.subList(3, 5));
        try (var second = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), new Recording())) {
            assertThat(Sequencers.round(second).sealed()).isEqualTo(2);
        }

        assertThat(db.count("SELECT min(seq) FROM audit_seals WHERE tenant_id = 'acme'")).isEqualTo(4);
        var result = verification(db).verify("acme");
        assertThat(result.ok()).as(result.toString()).isTrue();
    }

    @Test
    void only_one_of_two_instances_leads_and_the_other_takes_over_when_the_leaders_connection_dies(AuditDatabase db) throws SQLException {
        var sink = new PostgresEventStore(db.runtime(), json);
        sink.append(Events.events("acme", 5));
        var firstObserver = new Recording();
        try (var first = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), firstObserver);
             var second = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), new Recording())) {
            assertThat(Sequencers.round(first).leader()).isTrue();
            assertThat(Sequencers.round(second).leader()).isFalse();

            terminateLeaderSession(db);
            sink.append(List.of(Events.event("acme", 5)));

            // A follower retries the lead on its own every leaderRetry, so the round that seals the
            // new event may be one of its own rather than the one asked for here: count the seals.
            var takeover = Sequencers.round(second);
            assertThat(takeover.leader()).isTrue();
            assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'acme'")).isEqualTo(6);
            assertThat(Sequencers.round(first).leader()).as("the old leader finds the lock taken").isFalse();
        }
        assertThat(verification(db).verify("acme").ok()).isTrue();
    }

    @Test
    void an_event_that_is_not_a_valid_document_stops_its_partition_but_not_the_others(AuditDatabase db) {
        new PostgresEventStore(db.runtime(), json).append(List.of(Events.event("globex", 1)));
        var broken = java.util.UUID.randomUUID();
        db.asOwner("""
                INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, auth_method, action, component, result, status, severity, event)
                VALUES ('acme', ?, now(), 'r', 'jwt', 'a', 'c', 'succeeded', 200, 'info', '{"not": "an event"}')
                """, broken);
        db.asOwner("INSERT INTO audit_pending (tenant_id, event_id) VALUES ('acme', ?)", broken);
        var observer = new Recording();

        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), observer)) {
            var round = Sequencers.round(sequencer);

            assertThat(round.sealed()).isEqualTo(1);
            assertThat(observer.failures).anySatisfy(f -> assertThat(f).contains("acme").contains(broken.toString()));
        }
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'globex'")).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM audit_pending WHERE tenant_id = 'acme'")).isEqualTo(1);
    }

    @Test
    void queue_entries_without_canonical_bytes_from_before_schema_version_3_are_sealed_from_their_stored_events(AuditDatabase db) {
        new PostgresEventStore(db.runtime(), json).append(Events.events("acme", 12));
        db.asOwner("UPDATE audit_pending SET canonical = NULL WHERE tenant_id = 'acme' AND arrival % 2 = 0");

        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(5, 100, Duration.ofHours(1)), Sequencer.Observer.NONE)) {
            assertThat(Sequencers.round(sequencer).sealed()).isEqualTo(12);
        }
        var result = verification(db).verify("acme");
        assertThat(result.ok()).as(result.message()).isTrue();
        assertThat(result.verifiedThroughSeq()).isEqualTo(12);
    }

    @Test
    void a_queue_entry_whose_bytes_are_not_in_canonical_form_stops_its_partition_but_not_the_others(AuditDatabase db) {
        var sink = new PostgresEventStore(db.runtime(), json);
        sink.append(List.of(Events.event("globex", 1)));
        var event = Events.event("acme", 2);
        sink.append(List.of(event));
        db.asOwner("UPDATE audit_pending SET canonical = convert_to('{\"not\": \"canonical\"}', 'UTF8') WHERE event_id = ?",
                event.eventId());
        var observer = new Recording();

        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), observer)) {
            assertThat(Sequencers.round(sequencer).sealed()).isEqualTo(1);
        }
        assertThat(observer.failures).anySatisfy(f -> assertThat(f).contains("acme").contains(event.eventId().toString()));
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'acme'")).isZero();
        assertThat(db.count("SELECT count(*) FROM audit_pending WHERE tenant_id = 'acme'")).isEqualTo(1);
    }

    @Test
    void a_queue_entry_carrying_another_events_bytes_stops_its_partition_and_the_next_partition_is_still_sealed(AuditDatabase db) {
        // The broken partition comes first in arrival order: the step after the failed one still runs.
        var sink = new PostgresEventStore(db.runtime(), json);
        var swapped = Events.events("initech", 2);
        sink.append(swapped);
        sink.append(List.of(Events.event("globex", 3)));
        db.asOwner("UPDATE audit_pending SET canonical = ? WHERE event_id = ?",
                CanonicalEncoding.encode(swapped.get(1)), swapped.get(0).eventId());
        var observer = new Recording();

        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), observer)) {
            assertThat(Sequencers.round(sequencer).sealed()).isEqualTo(1);
        }
        assertThat(observer.failures).anySatisfy(f -> assertThat(f).contains(swapped.get(0).eventId().toString())
                .contains("another event"));
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'initech'")).isZero();
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE tenant_id = 'globex'")).isEqualTo(1);
    }

    @Test
    void a_queued_event_deleted_before_sealing_is_sealed_and_reported_by_the_verifier_at_its_seq(AuditDatabase db) {
        var events = Events.events("acme", 3);
        new PostgresEventStore(db.runtime(), json).append(events);
        db.asOwner("DELETE FROM audit_events WHERE tenant_id = 'acme' AND event_id = ?", events.get(1).eventId());

        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), Sequencer.Observer.NONE)) {
            assertThat(Sequencers.round(sequencer).sealed()).isEqualTo(3);
        }
        var result = verification(db).verify("acme");
        assertThat(result.ok()).as(result.message()).isFalse();
        assertThat(result.firstBadSeq()).as(result.message()).isEqualTo(2);
        assertThat(result.reason()).as(result.message()).isEqualTo(VerificationResult.Reason.MALFORMED_EVENT);
    }

    @Test
    void a_sealing_steps_take_and_seal_insert_are_prepared_on_the_server_from_their_first_execution(AuditDatabase db)
            throws SQLException {
        // Unprepared executions get their results as text: a take of 10,000 events came back as
        // 17 MB of hex, and the first four steps after taking the lead paid for it (the cold round).
        var session = KeepSessionsOpen.oneSession(db.runtime());
        new PostgresEventStore(db.runtime(), json).append(List.of(Events.event("acme", 1)));
        List<String> prepared = new ArrayList<>();
        try (var sequencer = Sequencers.start(session, clock, Sequencers.settings(100, 100, Duration.ofHours(1)), Sequencer.Observer.NONE)) {
            assertThat(Sequencers.round(sequencer).sealed()).isEqualTo(1);
            try (var statement = session.getConnection().createStatement();
                 var rows = statement.executeQuery("SELECT statement FROM pg_prepared_statements")) {
                while (rows.next()) {
                    prepared.add(rows.getString(1).strip());
                }
            }
        } finally {
            session.closeAll();
        }
        assertThat(prepared).anyMatch(sql -> sql.startsWith("DELETE FROM audit_pending"))
                .anyMatch(sql -> sql.startsWith("INSERT INTO audit_seals"));
    }

    @Test
    void a_leader_that_steps_down_gives_the_lock_back_even_when_its_connection_goes_back_to_a_pool(AuditDatabase db) {
        // A pool does not close a connection it is given back, so neither does the session lock end.
        var pooled = new KeepSessionsOpen(db.runtime());
        new PostgresEventStore(db.runtime(), json).append(List.of(Events.event("acme", 1)));
        try (var first = Sequencers.start(pooled, clock, Sequencers.settings(100, 100, Duration.ofHours(1)), Sequencer.Observer.NONE)) {
            assertThat(Sequencers.round(first).leader()).isTrue();
        }
        try (var second = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), Sequencer.Observer.NONE)) {
            assertThat(Sequencers.round(second).leader()).isTrue();
        } finally {
            pooled.closeAll();
        }
    }

    @Test
    void an_event_edited_in_its_table_while_it_waited_to_be_sealed_fails_verification_at_its_seq(AuditDatabase db) {
        // The chain seals the bytes queued when the event was recorded, not the row as it is at
        // sealing time, so an edit made in between is caught like an edit made after sealing.
        var events = Events.events("acme", 5);
        new PostgresEventStore(db.runtime(), json).append(events);
        db.asOwner("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
        db.asOwner("UPDATE audit_events SET event = jsonb_set(event::jsonb, '{outcome,status}', '202')::json WHERE event_id = ?",
                events.get(2).eventId());
        db.asOwner("UPDATE audit_events SET status = 202 WHERE event_id = ?", events.get(2).eventId());

        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), Sequencer.Observer.NONE)) {
            assertThat(Sequencers.round(sequencer).sealed()).isEqualTo(5);
        }
        var result = verification(db).verify("acme");
        assertThat(result.ok()).as(result.message()).isFalse();
        assertThat(result.firstBadSeq()).isEqualTo(3);
        assertThat(result.reason()).isEqualTo(VerificationResult.Reason.HASH_MISMATCH);
    }

    @Test
    void a_closed_sequencer_gives_up_the_lead_and_refuses_further_rounds(AuditDatabase db) {
        var first = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), new Recording());
        assertThat(Sequencers.round(first).leader()).isTrue();

        first.close();

        assertThat(first.sealNow()).isCompletedExceptionally();
        try (var second = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)), new Recording())) {
            assertThat(Sequencers.round(second).leader()).isTrue();
        }
    }

    @Test
    void fifty_thousand_events_are_sealed_in_batches_and_verify(AuditDatabase db) {
        var sink = new PostgresEventStore(db.runtime(), json);
        for (int from = 0; from < 50_000; from += 1000) {
            List<AuditEvent> batch = new ArrayList<>(1000);
            for (int i = from; i < from + 1000; i++) {
                batch.add(Events.event(i % 2 == 0 ? "acme" : "globex", i));
            }
            sink.append(batch);
        }
        var observer = new Recording();
        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(10_000, 10_000, Duration.ofHours(1)), observer)) {
            long started = System.nanoTime();
            var round = Sequencers.round(sequencer);
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("sealed %d events in %.2f s: %.0f events/s%n", round.sealed(), seconds, round.sealed() / seconds);

            assertThat(round.sealed()).isEqualTo(50_000);
        }
        long started = System.nanoTime();
        var report = verification(db).verifyAll();
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("verified %d events from the database in %.2f s: %.0f events/s%n", report.eventsChecked(), seconds,
                report.eventsChecked() / seconds);
        assertThat(report.ok()).isTrue();
        assertThat(report.eventsChecked()).isEqualTo(50_000);
    }

    private static void terminateLeaderSession(AuditDatabase db) throws SQLException {
        try (var connection = db.superuser().getConnection();
             var statement = connection.prepareStatement("""
                     SELECT pg_terminate_backend(pid) FROM pg_locks
                     WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                       AND ((classid::bigint << 32) | objid::bigint) = ? AND objsubid = 1
                     """)) {
            statement.setLong(1, Sequencer.LEADER_LOCK);
            try (var rows = statement.executeQuery()) {
                assertThat(rows.next()).as("a session holds the leader lock").isTrue();
            }
        }
    }
}
