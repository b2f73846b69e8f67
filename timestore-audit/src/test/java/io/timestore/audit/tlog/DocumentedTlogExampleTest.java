package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The worked example of docs/transparency-log.md §7, recomputed from its inputs (the documented
 * seed and leaves) and compared byte for byte, so the document a reader reimplements from cannot
 * drift from the code.
 */
class DocumentedTlogExampleTest {
    private static final String ORIGIN = "timestore.example/acme";
    private final Map<String, String> examples = TlogDoc.examples();
    private final ProofJson json = new ProofJson();

    private TreeHash[] leaves() {
        return new TreeHash[] {
                Rfc6962.leafHash(TlogDoc.canonicalExample()),
                Rfc6962.leafHash("example event 2".getBytes(StandardCharsets.US_ASCII)),
                Rfc6962.leafHash("example event 3".getBytes(StandardCharsets.US_ASCII))};
    }

    private TreeProofs proofs() {
        var store = new InMemoryNodeStore();
        store.write(CompactRange.empty().appendAll(List.of(leaves())).completed());
        return new TreeProofs(store);
    }

    @Test
    void the_documented_key_is_the_seed_0_to_31_and_its_verifier_key_is_documented() {
        byte[] seed = new byte[32];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = (byte) i;
        }

        NoteSigner signer = NoteSigner.of(ORIGIN, Ed25519.fromSeed(seed));

        assertThat(signer.encodeSecret()).isEqualTo(examples.get("signer-key"));
        assertThat(signer.verifierKey().encode()).isEqualTo(examples.get("verifier-key"));
        assertThat(TlogDoc.text()).contains("`" + examples.get("verifier-key") + "`");
    }

    @Test
    void the_documented_leaves_nodes_and_root_are_the_computed_ones() {
        TreeHash[] leaf = leaves();
        TreeHash node = Rfc6962.nodeHash(leaf[0], leaf[1]);
        TreeHash root = Rfc6962.nodeHash(node, leaf[2]);

        assertThat(proofs().root(3)).isEqualTo(root);
        assertThat(TlogDoc.text())
                .contains("= " + leaf[0].hex()).contains("= " + leaf[1].hex()).contains("= " + leaf[2].hex())
                .contains("= " + node.hex()).contains("= " + root.hex())
                .contains("= SHA-256(\"\") = " + Rfc6962.EMPTY_ROOT.hex());
    }

    @Test
    void the_documented_checkpoints_are_the_signed_notes_of_sizes_3_and_1() {
        NoteSigner signer = NoteSigner.parse(examples.get("signer-key"));

        assertThat(new TreeCheckpoint(ORIGIN, 3, proofs().root(3)).sign(List.of(signer)).toString())
                .isEqualTo(examples.get("checkpoint-3") + "\n");
        assertThat(new TreeCheckpoint(ORIGIN, 1, proofs().root(1)).sign(List.of(signer)).toString())
                .isEqualTo(examples.get("checkpoint-1") + "\n");
        assertThat(HexFormat.of().formatHex(Base64.getDecoder().decode("n3OstA=="))).isEqualTo(NoteNames.hex(signer.keyHash()));
    }

    @Test
    void the_documented_receipt_is_the_receipt_of_the_first_event_and_verifies() {
        Note checkpoint = Note.parse((examples.get("checkpoint-3") + "\n").getBytes(StandardCharsets.UTF_8));
        Receipt expected = Receipt.of(UUID.fromString("e76a3960-ddfe-8ceb-82d2-40106413cfd4"), 1, TlogDoc.canonicalExample(),
                proofs().inclusion(0, 3), checkpoint);

        Receipt documented = json.readReceipt(examples.get("receipt"));

        assertThat(json.writeReceipt(expected)).isEqualTo(examples.get("receipt"));
        assertThat(documented).isEqualTo(expected);
        NoteVerifiers verifiers = NoteVerifiers.of(NoteVerifierKey.parse(examples.get("verifier-key")));
        assertThat(documented.verify(verifiers, ORIGIN).size()).isEqualTo(3);
    }

    @Test
    void the_documented_consistency_proof_links_the_documented_checkpoints() {
        NoteVerifiers verifiers = NoteVerifiers.of(NoteVerifierKey.parse(examples.get("verifier-key")));
        TreeCheckpoint old = TreeCheckpoint.open(examples.get("checkpoint-1") + "\n", verifiers, ORIGIN);
        TreeCheckpoint current = TreeCheckpoint.open(examples.get("checkpoint-3") + "\n", verifiers, ORIGIN);

        ConsistencyProof documented = json.readConsistency(examples.get("consistency"));

        assertThat(json.writeConsistency(proofs().consistency(1, 3))).isEqualTo(examples.get("consistency"));
        documented.verify(old.rootHash(), current.rootHash());
    }
}
