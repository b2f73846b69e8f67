package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Receipts: what the Java verifier accepts, what it refuses, and their JSON form. */
class ReceiptTest {
    private final TestLog log = TestLog.create("timestore.example/audit/acme", 13);
    private final ProofJson json = new ProofJson();

    @Test
    void a_receipt_verifies_offline_with_the_logs_verifier_key() {
        Receipt receipt = log.receipt(5, 13);

        TreeCheckpoint checkpoint = receipt.verify(log.verifiers(), log.origin());

        assertThat(checkpoint.size()).isEqualTo(13);
        assertThat(checkpoint.rootHash()).isEqualTo(log.root(13));
    }

    @Test
    void the_json_form_round_trips_and_names_its_format() {
        Receipt receipt = log.receipt(13, 13);

        String text = json.writeReceipt(receipt);

        assertThat(json.readReceipt(text)).isEqualTo(receipt);
        assertThat(json.toJson(receipt).fieldNames()).toIterable()
                .containsExactly("format", "event_id", "seq", "leaf_hash", "canonical", "inclusion_proof", "checkpoint");
        assertThat(json.toJson(receipt).get("format").asText()).isEqualTo("ts-audit-receipt-v1");
    }

    @Test
    void a_receipt_without_canonical_bytes_still_proves_its_leaf_hash() {
        Receipt full = log.receipt(2, 13);
        Receipt bare = new Receipt(full.eventId(), full.seq(), full.leafHash(), null, full.inclusionProof(), full.checkpoint());

        assertThat(bare.verify(log.verifiers(), log.origin()).size()).isEqualTo(13);
        assertThat(json.toJson(bare).has("canonical")).isFalse();
        assertThat(json.readReceipt(json.writeReceipt(bare))).isEqualTo(bare);
    }

    @Test
    void a_tampered_receipt_is_refused() {
        Receipt r = log.receipt(6, 13);
        Receipt other = log.receipt(7, 13);
        List<TreeHash> changedPath = new ArrayList<>(r.inclusionProof());
        changedPath.set(1, TreeProofsProperties.flip(changedPath.get(1), 3));
        byte[] changedEvent = r.canonical();
        changedEvent[changedEvent.length - 3] ^= 1;

        assertThrows(InvalidProof.class, () -> new Receipt(r.eventId(), 7, r.leafHash(), r.canonical(), r.inclusionProof(), r.checkpoint())
                .verify(log.verifiers(), log.origin()));
        assertThrows(InvalidProof.class, () -> new Receipt(r.eventId(), r.seq(), r.leafHash(), r.canonical(), changedPath, r.checkpoint())
                .verify(log.verifiers(), log.origin()));
        assertThrows(InvalidProof.class, () -> new Receipt(r.eventId(), r.seq(), r.leafHash(), changedEvent, r.inclusionProof(), r.checkpoint())
                .verify(log.verifiers(), log.origin()));
        assertThrows(InvalidProof.class, () -> new Receipt(other.eventId(), r.seq(), r.leafHash(), r.canonical(), r.inclusionProof(), r.checkpoint())
                .verify(log.verifiers(), log.origin()));
        assertThrows(InvalidProof.class, () -> new Receipt(r.eventId(), 14, r.leafHash(), r.canonical(), r.inclusionProof(), r.checkpoint())
                .verify(log.verifiers(), log.origin()));
        assertThrows(InvalidNote.class, () -> r.verify(NoteVerifiers.of(NoteSigner.generate(log.origin(), new SecureRandom()).verifierKey()), log.origin()));
        assertThrows(InvalidNote.class, () -> r.verify(log.verifiers(), "timestore.example/audit/globex"));
        assertThrows(InvalidNote.class, () -> new Receipt(r.eventId(), r.seq(), r.leafHash(), r.canonical(), r.inclusionProof(),
                r.checkpoint().replace("\n13\n", "\n12\n")).verify(log.verifiers(), log.origin()));
    }

    @Test
    void reading_refuses_unknown_missing_or_mistyped_members() {
        String good = json.writeReceipt(log.receipt(1, 13));

        List<String> bad = List.of(
                good.replace("\"seq\"", "\"sequence\""),
                good.replace("\"format\" : \"ts-audit-receipt-v1\"", "\"format\" : \"ts-audit-receipt-v2\""),
                good.replace("\"seq\" : 1", "\"seq\" : \"1\""),
                good.replace("\"event_id\" : \"", "\"event_id\" : \"X"),
                good.replaceFirst("\"leaf_hash\" : \"([^\"]*)=\"", "\"leaf_hash\" : \"$1\""),
                "[]",
                good + "{}");

        for (String text : bad) {
            assertThrows(IllegalArgumentException.class, () -> json.readReceipt(text), text);
        }
        assertThat(UUID.fromString(json.readReceipt(good).eventId().toString())).isEqualTo(json.readReceipt(good).eventId());
    }

    @Test
    void a_consistency_proof_round_trips_through_json() {
        ConsistencyProof proof = log.proofs().consistency(5, 13);

        ConsistencyProof read = json.readConsistency(json.writeConsistency(proof));

        assertThat(read).isEqualTo(proof);
        read.verify(log.root(5), log.root(13));
    }
}
