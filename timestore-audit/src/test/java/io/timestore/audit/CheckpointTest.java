package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointVerifier;
import io.timestore.audit.checkpoint.CheckpointVerifier.Check;
import io.timestore.audit.tlog.NoteVerifierKey;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointTest {
    private static final ChainHash SOME_HASH = ChainHash.parse("ab".repeat(32));
    private final KeyPair key = CheckpointKeys.generate(new SecureRandom());
    private final CheckpointSigner signer = new CheckpointSigner(key, new TickingClock(Events.T0));
    private final CheckpointVerifier verifier = new CheckpointVerifier(List.of(key.getPublic()));

    @Test
    void a_signed_checkpoint_verifies_with_the_public_key() {
        Checkpoint cp = signer.sign(new ChainHead("acme", 10, SOME_HASH), null);

        assertThat(verifier.check(cp)).isEqualTo(Check.VALID);
        assertThat(cp.keyId()).isEqualTo(CheckpointKeys.keyId(key.getPublic())).matches("[0-9a-f]{16}");
        assertThat(cp.signedText()).isEqualTo("ts-audit-checkpoint-v1\n{\"hash\":\"%s\",\"key_id\":\"%s\",\"seq\":10,\"signed_at\":\"2025-03-01T12:00:00.123456Z\",\"tenant_id\":\"acme\"}"
                .formatted(SOME_HASH.hex(), cp.keyId()));
    }

    @Test
    void changing_any_signed_field_breaks_the_signature() {
        Checkpoint cp = signer.sign(new ChainHead("acme", 10, SOME_HASH), null);

        List<Checkpoint> forged = List.of(
                new Checkpoint("globex", cp.seq(), cp.hash(), cp.signedAt(), cp.keyId(), cp.signature()),
                new Checkpoint(cp.tenantId(), 11, cp.hash(), cp.signedAt(), cp.keyId(), cp.signature()),
                new Checkpoint(cp.tenantId(), cp.seq(), ChainHash.GENESIS, cp.signedAt(), cp.keyId(), cp.signature()),
                new Checkpoint(cp.tenantId(), cp.seq(), cp.hash(), cp.signedAt().plusNanos(1000), cp.keyId(), cp.signature()));

        assertThat(forged).allSatisfy(f -> assertThat(verifier.check(f)).isEqualTo(Check.BAD_SIGNATURE));
    }

    @Test
    void a_checkpoint_from_an_untrusted_key_is_unknown() {
        var other = new CheckpointSigner(CheckpointKeys.generate(new SecureRandom()), new TickingClock(Events.T0));

        assertThat(verifier.check(other.sign(new ChainHead("acme", 1, SOME_HASH), null))).isEqualTo(Check.UNKNOWN_KEY);
    }

    @Test
    void the_signer_refuses_a_checkpoint_that_does_not_move_forward_in_seq() {
        Checkpoint first = signer.sign(new ChainHead("acme", 10, SOME_HASH), null);

        var error = assertThrows(IllegalArgumentException.class, () -> signer.sign(new ChainHead("acme", 10, SOME_HASH), first));

        assertThat(error).hasMessageContaining("does not follow the previous one (seq 10");
    }

    @Test
    void the_signer_refuses_a_checkpoint_when_the_clock_did_not_move_forward() {
        var stoppedClock = java.time.InstantSource.fixed(Events.T0);
        var stopped = new CheckpointSigner(key, stoppedClock);
        Checkpoint first = stopped.sign(new ChainHead("acme", 10, SOME_HASH), null);

        assertThrows(IllegalArgumentException.class, () -> stopped.sign(new ChainHead("acme", 11, SOME_HASH), first));
    }

    @Test
    void an_empty_chain_cannot_be_checkpointed() {
        assertThrows(IllegalArgumentException.class, () -> signer.sign(ChainHead.genesis("acme"), null));
    }

    @Test
    void the_key_file_round_trips_and_names_the_key_id() {
        String text = CheckpointKeys.toFileText(key);

        KeyPair read = CheckpointKeys.fromFileText(text);

        assertThat(text).contains("key_id=" + CheckpointKeys.keyId(key.getPublic()));
        assertThat(read.getPublic().getEncoded()).isEqualTo(key.getPublic().getEncoded());
        assertThat(read.getPrivate().getEncoded()).isEqualTo(key.getPrivate().getEncoded());
    }

    @Test
    void a_key_file_whose_keys_do_not_belong_together_is_refused() {
        KeyPair other = CheckpointKeys.generate(new SecureRandom());
        String mixed = "public_key=%s\nprivate_key=%s\n".formatted(
                CheckpointKeys.encodePublic(key.getPublic()), CheckpointKeys.encodePrivate(other.getPrivate()));

        var error = assertThrows(IllegalArgumentException.class, () -> CheckpointKeys.fromFileText(mixed));

        assertThat(error).hasMessageContaining("does not belong");
    }

    @Test
    void the_public_key_is_x509_der_with_the_ed25519_prefix_and_the_key_id_is_its_sha256() {
        byte[] der = key.getPublic().getEncoded();

        assertThat(java.util.HexFormat.of().formatHex(der)).startsWith("302a300506032b6570032100").hasSize(88);
        assertThat(CheckpointKeys.keyId(key.getPublic()))
                .isEqualTo(java.util.HexFormat.of().formatHex(EventIds.sha256().digest(der)).substring(0, 16));
    }

    @Test
    void checkpoint_json_round_trips() {
        Checkpoint cp = signer.sign(new ChainHead("acme", 3, SOME_HASH), null);

        assertThat(Checkpoint.fromJson(cp.toJson())).isEqualTo(cp);
    }

    @Test
    void the_note_signers_of_a_key_name_are_made_once_and_made_again_for_a_new_active_key() {
        var clock = new TickingClock(Events.T0);
        var rotating = new CheckpointSigner(key, clock);
        var first = rotating.noteSigners("timestore.test/acme");

        assertThat(rotating.noteSigners("timestore.test/acme")).as("the same signer, probed once").isEqualTo(first)
                .allSatisfy(s -> assertThat(s).isSameAs(first.getFirst()));
        assertThat(rotating.noteSigners("timestore.test/globex").getFirst().name()).isEqualTo("timestore.test/globex");

        KeyPair next = CheckpointKeys.generate(new SecureRandom());
        rotating.rotate(next, java.time.Duration.ofHours(1));
        var rotated = rotating.noteSigners("timestore.test/acme");

        assertThat(rotated).extracting(s -> s.verifierKey().encode()).containsExactly(
                NoteVerifierKey.of("timestore.test/acme", next.getPublic()).encode(), first.getFirst().verifierKey().encode());
    }
}
