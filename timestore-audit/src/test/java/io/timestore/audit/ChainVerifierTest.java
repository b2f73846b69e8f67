package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.chain.Chain;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointVerifier;
import io.timestore.audit.verify.ChainVerifier;
import io.timestore.audit.verify.VerificationResult;
import io.timestore.audit.verify.VerificationResult.Reason;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each kind of tampering an owner of the database could do, and what the verifier says. */
class ChainVerifierTest {
    private static final String TENANT = "acme";
    private final KeyPair key = CheckpointKeys.generate(new SecureRandom());
    private final CheckpointSigner signer = new CheckpointSigner(key, new TickingClock(Events.T0));
    private final ChainVerifier verifier = new ChainVerifier(new CheckpointVerifier(List.of(key.getPublic())));

    /** 20 sealed events as rows ordered by seq, with checkpoints at seq 5, 10 and 15. */
    private final List<AuditEvent> rows = new ArrayList<>(Events.sealed(TENANT, 20));
    private final List<Checkpoint> checkpoints = checkpointsAt(rows, 5, 10, 15);

    @Test
    void an_untouched_chain_verifies_through_its_last_event_and_is_signed_through_its_last_checkpoint() {
        var result = verify();

        assertThat(result.ok()).isTrue();
        assertThat(result.verifiedThroughSeq()).isEqualTo(20);
        assertThat(result.signedThroughSeq()).isEqualTo(15);
        assertThat(result.eventsChecked()).isEqualTo(20);
        assertThat(result.firstBadSeq()).isNull();
    }

    @Test
    void a_changed_field_is_a_hash_mismatch_at_that_seq() {
        AuditEvent original = rows.get(6);
        rows.set(6, original.withDetails(Details.of(original.details().toJson().put("points", 1))));

        assertFailure(verify(), 7, Reason.HASH_MISMATCH);
    }

    @Test
    void in_a_chain_chainenough_to_be_hashed_in_parallel_blocks_the_lowest_changed_seq_is_reported() {
        var chain = new ArrayList<>(Events.sealed(TENANT, 10_000));
        var signed = checkpointsAt(chain, 4096, 10_000);
        assertThat(verifier.verify(TENANT, chain.iterator(), signed).verifiedThroughSeq()).isEqualTo(10_000);
        for (int seq : new int[] {9_000, 5_000, 4_097}) {
            AuditEvent original = chain.get(seq - 1);
            chain.set(seq - 1, original.withDetails(Details.of(original.details().toJson().put("points", -1))));
        }

        var result = verifier.verify(TENANT, chain.iterator(), signed);

        assertFailure(result, 4_097, Reason.HASH_MISMATCH);
        assertThat(result.verifiedThroughSeq()).isEqualTo(4_096);
        assertThat(result.signedThroughSeq()).isEqualTo(4_096);
    }

    @Test
    void a_deleted_row_is_a_gap_at_the_missing_seq() {
        rows.remove(6);

        assertFailure(verify(), 7, Reason.SEQ_GAP);
    }

    @Test
    void a_deleted_row_with_the_later_rows_renumbered_breaks_the_link() {
        rows.remove(6);
        for (int i = 6; i < rows.size(); i++) {
            Seal s = rows.get(i).seal();
            rows.set(i, rows.get(i).withSeal(new Seal(s.seq() - 1, s.prevHash(), s.hash())));
        }

        assertFailure(verify(), 7, Reason.PREV_HASH_MISMATCH);
    }

    @Test
    void a_forged_row_inserted_with_a_taken_seq_is_out_of_order() {
        AuditEvent forged = Events.event(TENANT, 99).withSeal(rows.get(6).seal());
        rows.add(7, forged);

        assertFailure(verify(), 7, Reason.SEQ_OUT_OF_ORDER);
    }

    @Test
    void a_forged_row_inserted_with_every_later_hash_recomputed_is_caught_by_the_next_checkpoint() {
        List<AuditEvent> content = new ArrayList<>(rows.stream().map(e -> e.withSeal(null)).toList());
        content.add(6, Events.event(TENANT, 99));
        List<AuditEvent> rewritten = new Chain().seal(ChainHead.genesis(TENANT), content).events();
        rows.clear();
        rows.addAll(rewritten);

        assertFailure(verify(), 10, Reason.CHECKPOINT_MISMATCH);
    }

    @Test
    void two_rows_with_swapped_seq_break_the_link() {
        AuditEvent seventh = rows.get(6);
        AuditEvent eighth = rows.get(7);
        rows.set(6, eighth.withSeal(new Seal(7, eighth.seal().prevHash(), eighth.seal().hash())));
        rows.set(7, seventh.withSeal(new Seal(8, seventh.seal().prevHash(), seventh.seal().hash())));

        assertFailure(verify(), 7, Reason.PREV_HASH_MISMATCH);
    }

    @Test
    void two_rows_with_swapped_content_are_a_hash_mismatch() {
        AuditEvent seventh = rows.get(6);
        AuditEvent eighth = rows.get(7);
        rows.set(6, eighth.withSeal(seventh.seal()));
        rows.set(7, seventh.withSeal(eighth.seal()));

        assertFailure(verify(), 7, Reason.HASH_MISMATCH);
    }

    @Test
    void a_tail_truncated_below_the_last_checkpoint_is_reported_as_truncated() {
        rows.subList(12, 20).clear();

        var result = verify();

        assertFailure(result, 13, Reason.TRUNCATED);
        assertThat(result.verifiedThroughSeq()).isEqualTo(12);
        assertThat(result.message()).contains("covers seq 15");
    }

    @Test
    void a_tail_removed_after_the_last_checkpoint_cannot_be_told_from_a_shorter_log() {
        rows.subList(16, 20).clear();

        assertThat(verify().ok()).isTrue();
    }

    @Test
    void a_checkpoint_with_a_bad_signature_is_reported_at_its_seq() {
        Checkpoint good = checkpoints.get(1);
        checkpoints.set(1, new Checkpoint(TENANT, good.seq(), good.hash(), good.signedAt(), good.keyId(), checkpoints.get(0).signature()));

        var result = verify();

        assertFailure(result, 10, Reason.CHECKPOINT_BAD_SIGNATURE);
        assertThat(result.signedThroughSeq()).isEqualTo(5);
    }

    @Test
    void a_checkpoint_signed_by_an_unknown_key_is_reported_at_its_seq() {
        var stranger = new CheckpointSigner(CheckpointKeys.generate(new SecureRandom()), new TickingClock(Events.T0.plusSeconds(100)));
        checkpoints.add(stranger.sign(new ChainHead(TENANT, 20, rows.get(19).seal().hash()), checkpoints.getLast()));

        assertFailure(verify(), 20, Reason.CHECKPOINT_UNKNOWN_KEY);
    }

    @Test
    void a_checkpoint_that_rolls_back_the_previous_one_is_out_of_order() {
        checkpoints.add(checkpoints.get(1));

        assertFailure(verify(), 10, Reason.CHECKPOINT_OUT_OF_ORDER);
    }

    @Test
    void an_event_of_another_tenant_in_the_chain_is_a_tenant_mismatch() {
        AuditEvent foreign = Events.event("globex", 3).withSeal(rows.get(2).seal());
        rows.set(2, foreign);

        assertFailure(verify(), 3, Reason.TENANT_MISMATCH);
    }

    @Test
    void after_a_purge_the_chain_verifies_from_the_anchor_checkpoint() {
        rows.subList(0, 10).clear();

        var result = verifier.verifyFrom(checkpoints.get(1), rows.iterator(), checkpoints);

        assertThat(result.ok()).isTrue();
        assertThat(result.anchoredAtSeq()).isEqualTo(10);
        assertThat(result.verifiedThroughSeq()).isEqualTo(20);
        assertThat(result.signedThroughSeq()).isEqualTo(15);
        assertThat(result.eventsChecked()).isEqualTo(10);
    }

    @Test
    void after_a_purge_verifying_from_genesis_reports_the_missing_head() {
        rows.subList(0, 10).clear();

        assertFailure(verify(), 1, Reason.SEQ_GAP);
    }

    @Test
    void after_a_purge_a_first_event_that_does_not_continue_the_anchor_is_an_anchor_mismatch() {
        rows.subList(0, 10).clear();
        AuditEvent first = rows.getFirst();
        rows.set(0, first.withSeal(new Seal(11, ChainHash.GENESIS, first.seal().hash())));

        assertFailure(verifier.verifyFrom(checkpoints.get(1), rows.iterator(), checkpoints), 11, Reason.ANCHOR_MISMATCH);
    }

    @Test
    void an_anchor_that_is_not_signed_by_a_trusted_key_is_refused() {
        rows.subList(0, 10).clear();
        Checkpoint anchor = checkpoints.get(1);
        Checkpoint forged = new Checkpoint(TENANT, anchor.seq(), anchor.hash(), anchor.signedAt(), anchor.keyId(), checkpoints.get(0).signature());

        assertFailure(verifier.verifyFrom(forged, rows.iterator(), checkpoints), 10, Reason.CHECKPOINT_BAD_SIGNATURE);
    }

    @Test
    void an_unsealed_event_in_the_stream_is_reported() {
        rows.set(4, rows.get(4).withSeal(null));

        assertFailure(verify(), 5, Reason.UNSEALED_EVENT);
    }

    @Test
    void an_empty_chain_without_checkpoints_verifies() {
        var result = verifier.verify(TENANT, List.<AuditEvent>of().iterator(), List.of());

        assertThat(result.ok()).isTrue();
        assertThat(result.verifiedThroughSeq()).isZero();
    }

    @Test
    void the_result_serialises_with_snake_case_members_and_a_lower_case_reason() {
        rows.remove(6);

        var json = verify().toJson();

        assertThat(json.get("reason").asText()).isEqualTo("seq_gap");
        assertThat(json.get("first_bad_seq").asLong()).isEqualTo(7);
        assertThat(json.get("verified_through_seq").asLong()).isEqualTo(6);
    }

    private VerificationResult verify() {
        return verifier.verify(TENANT, rows.iterator(), checkpoints);
    }

    private static void assertFailure(VerificationResult result, long firstBadSeq, Reason reason) {
        assertThat(result.ok()).as(result.message()).isFalse();
        assertThat(result.reason()).as(result.message()).isEqualTo(reason);
        assertThat(result.firstBadSeq()).as(result.message()).isEqualTo(firstBadSeq);
        assertThat(result.verifiedThroughSeq()).isLessThan(firstBadSeq);
    }

    private List<Checkpoint> checkpointsAt(List<AuditEvent> events, long... seqs) {
        List<Checkpoint> signed = new ArrayList<>();
        for (long seq : seqs) {
            AuditEvent event = events.get((int) seq - 1);
            signed.add(signer.sign(new ChainHead(TENANT, seq, event.seal().hash()), signed.isEmpty() ? null : signed.getLast()));
        }
        return signed;
    }
}
