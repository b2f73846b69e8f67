package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.audit.verify.AuditVerification;
import io.timestore.audit.verify.VerificationResult;
import io.timestore.audit.verify.VerificationResult.Reason;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.threeten.extra.MutableClock;

/**
 * Tampering done directly in the database as its owner — who can disable the append-only trigger —
 * and what verification from the database reports. Each test starts from 20 sealed events of
 * {@code acme} with checkpoints at seq 5, 10, 15 and 20.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class AuditVerificationTest {
    private static final String TENANT = "acme";
    private final AuditJson json = new AuditJson();

    private AuditDatabase sealed(AuditDatabase db) {
        new PostgresEventStore(db.runtime(), json).append(Events.events(TENANT, 20));
        try (var sequencer = Sequencers.start(db.runtime(), MutableClock.of(Events.T0, ZoneOffset.UTC), Sequencers.settings(5, 5, Duration.ofHours(1)),
                Sequencer.Observer.NONE)) {
            assertThat(Sequencers.round(sequencer).sealed()).isEqualTo(20);
        }
        assertThat(db.count("SELECT count(*) FROM audit_checkpoints")).isEqualTo(4);
        return db;
    }

    private VerificationResult verify(AuditDatabase db) {
        return new AuditVerification(db.runtime(), json, List.of(), AuditVerification.KeyTrust.CONFIGURED_AND_STORED).verify(TENANT);
    }

    private static UUID eventAt(AuditDatabase db, long seq) {
        return UUID.fromString(new StoredText(db).seal(TENANT, seq));
    }

    private static void assertFailure(VerificationResult result, long seq, Reason reason) {
        assertThat(result.ok()).as(result.message()).isFalse();
        assertThat(result.reason()).as(result.message()).isEqualTo(reason);
        assertThat(result.firstBadSeq()).as(result.message()).isEqualTo(seq);
        assertThat(result.verifiedThroughSeq()).isLessThan(seq);
    }

    @Test
    void an_untouched_chain_in_the_database_verifies_and_is_signed_to_its_head(AuditDatabase db) {
        var result = verify(sealed(db));

        assertThat(result.ok()).as(result.message()).isTrue();
        assertThat(result.verifiedThroughSeq()).isEqualTo(20);
        assertThat(result.signedThroughSeq()).isEqualTo(20);
    }

    @Test
    void a_changed_field_of_an_events_json_is_a_hash_mismatch_at_its_seq(AuditDatabase db) {
        sealed(db).asOwner("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
        db.asOwner("UPDATE audit_events SET event = jsonb_set(event::jsonb, '{details,points}', '1')::json WHERE event_id = ?", eventAt(db, 7));

        assertFailure(verify(db), 7, Reason.HASH_MISMATCH);
    }

    @Test
    void a_changed_index_column_that_disagrees_with_the_hashed_json_is_a_column_mismatch(AuditDatabase db) {
        sealed(db).asOwner("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
        db.asOwner("UPDATE audit_events SET actor_id = 'mallory' WHERE event_id = ?", eventAt(db, 9));

        var result = verify(db);

        assertFailure(result, 9, Reason.COLUMN_MISMATCH);
        assertThat(result.message()).contains("actor_id");
    }

    @Test
    void a_deleted_event_with_its_seal_is_a_gap_at_the_missing_seq(AuditDatabase db) {
        UUID victim = eventAt(sealed(db), 7);
        db.asOwner("DELETE FROM audit_seals WHERE tenant_id = 'acme' AND seq = 7");
        db.asOwner("DELETE FROM audit_events WHERE event_id = ?", victim);

        assertFailure(verify(db), 7, Reason.SEQ_GAP);
    }

    @Test
    void a_forged_row_inserted_without_a_seal_or_queue_entry_is_reported_as_unqueued(AuditDatabase db) {
        var forged = Events.event(TENANT, 99);
        insertEvent(sealed(db), forged);

        var result = verify(db);

        assertFailure(result, 21, Reason.UNQUEUED_EVENT);
        assertThat(result.message()).contains(forged.eventId().toString());
    }

    @Test
    void a_forged_row_with_a_forged_seal_after_the_head_is_a_hash_mismatch(AuditDatabase db) {
        var forged = Events.event(TENANT, 99);
        insertEvent(sealed(db), forged);
        byte[] head = db.bytes("SELECT hash FROM audit_seals WHERE tenant_id = 'acme' AND seq = 20");
        byte[] guessed = new byte[32];
        new SecureRandom().nextBytes(guessed);
        db.asOwner("INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash) VALUES ('acme', 21, ?, ?, ?)",
                forged.eventId(), head, guessed);

        assertFailure(verify(db), 21, Reason.HASH_MISMATCH);
    }

    @Test
    void two_rows_with_swapped_seq_break_the_link_at_the_lower_seq(AuditDatabase db) {
        sealed(db).asOwner("ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_append_only");
        db.asOwner("UPDATE audit_seals SET seq = 1000 WHERE tenant_id = 'acme' AND seq = 7");
        db.asOwner("UPDATE audit_seals SET seq = 7 WHERE tenant_id = 'acme' AND seq = 8");
        db.asOwner("UPDATE audit_seals SET seq = 8 WHERE tenant_id = 'acme' AND seq = 1000");

        assertFailure(verify(db), 7, Reason.PREV_HASH_MISMATCH);
    }

    @Test
    void a_tail_truncated_below_a_checkpoint_is_reported_as_truncated_where_the_chain_now_ends(AuditDatabase db) {
        sealed(db).asOwner("DELETE FROM audit_seals WHERE tenant_id = 'acme' AND seq >= 13");

        var result = verify(db);

        assertFailure(result, 13, Reason.TRUNCATED);
        assertThat(result.verifiedThroughSeq()).isEqualTo(12);
    }

    @Test
    void a_seal_whose_event_row_was_deleted_is_a_malformed_event(AuditDatabase db) {
        sealed(db).asOwner("DELETE FROM audit_events WHERE event_id = ?", eventAt(db, 4));

        assertFailure(verify(db), 4, Reason.MALFORMED_EVENT);
    }

    @Test
    void after_a_purge_the_chain_verifies_from_the_purge_anchor(AuditDatabase db) {
        purgeThrough(sealed(db), 10);
        var anchor = new CheckpointSigner(Sequencers.KEY, new TickingClock(Events.T0.plus(Duration.ofDays(1))))
                .sign(new ChainHead(TENANT, 10, ChainHash.of(db.bytes("SELECT hash FROM audit_checkpoints WHERE seq = 10"))), null);
        insertCheckpoint(db, anchor, CheckpointStore.Kind.PURGE_ANCHOR);

        var result = verify(db);

        assertThat(result.ok()).as(result.message()).isTrue();
        assertThat(result.anchoredAtSeq()).isEqualTo(10);
        assertThat(result.verifiedThroughSeq()).isEqualTo(20);
        assertThat(result.eventsChecked()).isEqualTo(10);
    }

    @Test
    void a_purge_without_an_anchor_is_a_gap_at_seq_1(AuditDatabase db) {
        purgeThrough(sealed(db), 10);

        assertFailure(verify(db), 1, Reason.SEQ_GAP);
    }

    @Test
    void a_checkpoint_signed_by_a_key_published_only_in_the_database_is_not_trusted_when_only_configured_keys_count(AuditDatabase db) {
        var forger = CheckpointKeys.generate(new SecureRandom());
        sealed(db);
        try (var connection = db.owner().getConnection()) {
            CheckpointStore.registerKey(connection, forger.getPublic());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        var forged = new CheckpointSigner(forger, new TickingClock(Events.T0.plus(Duration.ofDays(1))))
                .sign(new ChainHead(TENANT, 20, ChainHash.of(db.bytes("SELECT hash FROM audit_seals WHERE seq = 20"))), null);
        insertCheckpoint(db, forged, CheckpointStore.Kind.PERIODIC);

        var strict = new AuditVerification(db.runtime(), json, List.of(Sequencers.KEY.getPublic()), AuditVerification.KeyTrust.CONFIGURED_ONLY)
                .verify(TENANT);

        assertThat(strict.ok()).isFalse();
        assertThat(strict.reason()).isIn(Reason.CHECKPOINT_UNKNOWN_KEY, Reason.CHECKPOINT_OUT_OF_ORDER);
    }

    private static void purgeThrough(AuditDatabase db, long seq) {
        List<UUID> purged = new java.util.ArrayList<>();
        for (long s = 1; s <= seq; s++) {
            purged.add(eventAt(db, s));
        }
        // As Retention does: the tree nodes the purged seals carry stay, as rows.
        db.asOwner("""
                INSERT INTO audit_tree_nodes (tenant_id, level, idx, hash)
                SELECT tenant_id, l, (seq >> l) - 1, substring(tree_hashes FROM 32 * l + 1 FOR 32)
                FROM audit_seals, generate_series(0, octet_length(tree_hashes) / 32 - 1) AS l
                WHERE tenant_id = 'acme' AND seq <= ?
                """, seq);
        db.asOwner("DELETE FROM audit_seals WHERE tenant_id = 'acme' AND seq <= ?", seq);
        for (UUID id : purged) {
            db.asOwner("DELETE FROM audit_events WHERE event_id = ?", id);
        }
    }

    private void insertEvent(AuditDatabase db, AuditEvent event) {
        db.asOwner("""
                INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, actor_id, auth_method, action, component,
                                          resource_type, resource_id, dataset_id, result, status, severity, event)
                VALUES (?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, 'succeeded', 204, 'info', ?::json)
                """, event.tenantId(), event.eventId(), event.requestId(), event.actor().id(), event.actor().authMethod(),
                event.operation().action(), event.operation().component(), event.operation().resourceType(),
                event.operation().resourceId(), event.operation().datasetId(), json.write(event));
    }

    private static void insertCheckpoint(AuditDatabase db, Checkpoint checkpoint, CheckpointStore.Kind kind) {
        db.asOwner("""
                INSERT INTO audit_checkpoints (tenant_id, seq, hash, signed_at, key_id, signature, kind) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, checkpoint.tenantId(), checkpoint.seq(), checkpoint.hash().toBytes(),
                java.sql.Timestamp.from(checkpoint.signedAt()), checkpoint.keyId(), checkpoint.signature(), kind.label());
    }
}
