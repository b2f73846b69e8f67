package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.store.PlatformPath;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.audit.store.SealLookup;
import io.timestore.audit.verify.AuditVerification;
import io.timestore.audit.verify.VerificationResult;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.threeten.extra.MutableClock;

/**
 * Audit schema version 9: a seal is found through its event's arrival number, and events stored or
 * sealed without one (before version 9, or by an older release during an upgrade) are still found
 * by their event id.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class SealLookupTest {
    private static final String SEQ_OF_EVENT =
            "SELECT coalesce(s.seq, 0) FROM audit_events e\n" + SealLookup.JOIN + "WHERE e.tenant_id = ? AND e.event_id = ?";
    private static final String UNSEALED =
            "SELECT count(*) FROM audit_events e WHERE e.tenant_id = ? AND e.event_id = ? AND " + SealLookup.UNSEALED;

    private final AuditJson json = new AuditJson();
    private final MutableClock clock = MutableClock.of(Events.T0, ZoneOffset.UTC);

    @Test
    void an_event_its_queue_entry_and_its_seal_carry_the_same_arrival_number_in_the_order_the_batch_was_written(AuditDatabase db) {
        var events = Events.events("acme", 4);
        new PostgresEventStore(db.runtime(), json).append(events);

        for (int i = 1; i < events.size(); i++) {
            assertThat(arrivalOf(db, events.get(i))).isGreaterThan(arrivalOf(db, events.get(i - 1)));
        }
        for (var event : events) {
            assertThat(db.count("SELECT count(*) FROM audit_pending WHERE event_id = ? AND arrival = ? AND arrival_stored",
                    event.eventId(), arrivalOf(db, event))).isEqualTo(1);
        }
        sealAll(db);
        for (int i = 0; i < events.size(); i++) {
            var event = events.get(i);
            assertThat(db.count("SELECT arrival FROM audit_seals WHERE tenant_id = 'acme' AND event_id = ?", event.eventId()))
                    .isEqualTo(arrivalOf(db, event));
            assertThat(seqOf(db, event)).isEqualTo(i + 1);
            assertThat(db.count(UNSEALED, "acme", event.eventId())).isZero();
        }
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE arrival IS NULL")).as("no seal without its number").isZero();
    }

    @Test
    void an_event_written_by_an_older_release_is_sealed_without_a_number_and_found_by_its_id(AuditDatabase db) {
        var older = Events.event("acme", 1);
        storeAsOlderRelease(db, older);
        var newer = Events.event("acme", 2);
        new PostgresEventStore(db.runtime(), json).append(List.of(newer));

        sealAll(db);

        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE event_id = ? AND arrival IS NULL", older.eventId())).isEqualTo(1);
        assertThat(seqOf(db, older)).isEqualTo(1);
        assertThat(seqOf(db, newer)).isEqualTo(2);
        assertThat(db.count(UNSEALED, "acme", older.eventId())).isZero();
        var result = verification(db).verify("acme");
        assertThat(result.ok()).as(result.message()).isTrue();
    }

    @Test
    void a_seal_inserted_without_a_number_by_an_older_sequencer_is_found_by_its_event_id(AuditDatabase db) {
        var event = Events.event("acme", 1);
        new PostgresEventStore(db.runtime(), json).append(List.of(event));
        assertThat(db.count(UNSEALED, "acme", event.eventId())).isEqualTo(1);
        assertThat(seqOf(db, event)).as("not sealed yet").isZero();

        // What the sequencer of audit schema version 8 inserts: no arrival column.
        db.asOwner("DELETE FROM audit_pending WHERE event_id = ?", event.eventId());
        db.asOwner("INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash) VALUES ('acme', 1, ?, ?, ?)",
                event.eventId(), new byte[32], new byte[32]);

        assertThat(seqOf(db, event)).isEqualTo(1);
        assertThat(db.count(UNSEALED, "acme", event.eventId())).isZero();
    }

    @Test
    void a_second_seal_under_the_same_arrival_number_or_without_one_under_the_same_event_id_is_refused(AuditDatabase db) {
        var event = Events.event("acme", 1);
        new PostgresEventStore(db.runtime(), json).append(List.of(event));
        sealAll(db);

        assertThatThrownBy(() -> db.asOwner("""
                INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash, arrival)
                SELECT tenant_id, 2, event_id, hash, hash, arrival FROM audit_seals WHERE event_id = ?""", event.eventId()))
                .rootCause().hasMessageContaining("audit_seals_by_arrival");
        var older = Events.event("acme", 2);
        db.asOwner("INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash) VALUES ('acme', 5, ?, ?, ?)",
                older.eventId(), new byte[32], new byte[32]);
        assertThatThrownBy(() -> db.asOwner(
                "INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash) VALUES ('acme', 6, ?, ?, ?)",
                older.eventId(), new byte[32], new byte[32]))
                .rootCause().hasMessageContaining("audit_seals_by_event_without_arrival");
    }

    @Test
    void a_sealed_event_queued_again_by_the_runtime_role_is_sealed_again_and_audit_verify_reports_the_duplicate(AuditDatabase db)
            throws Exception {
        var events = Events.events("acme", 3);
        new PostgresEventStore(db.runtime(), json).append(events);
        sealAll(db);
        assertThat(verification(db).verify("acme").ok()).isTrue();

        // No index refuses this second seal: it has no arrival number, the first has one.
        var again = events.get(1);
        try (var connection = db.runtime().getConnection()) {
            connection.setAutoCommit(false);
            PlatformPath.enter(connection);
            try (var queue = connection.prepareStatement("INSERT INTO audit_pending (tenant_id, event_id, canonical) VALUES (?, ?, ?)")) {
                queue.setString(1, "acme");
                queue.setObject(2, again.eventId());
                queue.setBytes(3, CanonicalEncoding.encode(again));
                queue.executeUpdate();
            }
            connection.commit();
        }
        sealAll(db);
        assertThat(db.count("SELECT count(*) FROM audit_seals WHERE event_id = ?", again.eventId())).isEqualTo(2);

        var result = verification(db).verify("acme");
        assertThat(result.ok()).isFalse();
        assertThat(result.reason()).isEqualTo(VerificationResult.Reason.DUPLICATE_SEAL);
        assertThat(result.firstBadSeq()).isEqualTo(4);
        assertThat(result.verifiedThroughSeq()).isEqualTo(3);
        assertThat(result.message()).contains(again.eventId().toString()).contains("seq 2").contains("seq 4");
        assertThat(seqOf(db, again)).as("reads by id still find the first seal").isEqualTo(2);
    }

    @Test
    void an_event_row_that_copies_another_events_number_is_not_given_that_events_seal(AuditDatabase db) {
        var sealed = Events.event("acme", 1);
        new PostgresEventStore(db.runtime(), json).append(List.of(sealed));
        sealAll(db);
        var forged = Events.event("acme", 2);
        db.asOwner("""
                INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, auth_method, action, component,
                                          result, status, severity, event, arrival)
                SELECT tenant_id, ?, occurred_at, 'forged', auth_method, action, component, result, status, severity, event, arrival
                FROM audit_events WHERE event_id = ?""", forged.eventId(), sealed.eventId());

        assertThat(seqOf(db, forged)).isZero();
        assertThat(db.count(UNSEALED, "acme", forged.eventId())).isEqualTo(1);
        assertThat(seqOf(db, sealed)).isEqualTo(1);
    }

    private void storeAsOlderRelease(AuditDatabase db, AuditEvent event) {
        OlderRelease.store(db, json, event);
    }

    private void sealAll(AuditDatabase db) {
        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(100, 100, Duration.ofHours(1)),
                Sequencer.Observer.NONE)) {
            Sequencers.round(sequencer);
        }
        assertThat(db.count("SELECT count(*) FROM audit_pending")).isZero();
    }

    private static long arrivalOf(AuditDatabase db, AuditEvent event) {
        return db.count("SELECT arrival FROM audit_events WHERE tenant_id = ? AND event_id = ?", event.tenantId(), event.eventId());
    }

    private static long seqOf(AuditDatabase db, AuditEvent event) {
        return db.count(SEQ_OF_EVENT, event.tenantId(), event.eventId());
    }

    private AuditVerification verification(AuditDatabase db) {
        return new AuditVerification(db.runtime(), json, List.of(Sequencers.KEY.getPublic()), AuditVerification.KeyTrust.CONFIGURED_ONLY);
    }
}
