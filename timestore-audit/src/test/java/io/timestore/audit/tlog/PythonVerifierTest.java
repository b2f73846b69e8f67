package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.tlog.ProofVectors.Vector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outside verifier, {@code docs/verify/verify_receipt.py}, run with python3: it agrees with
 * {@code wantErr} on every transparency-dev/merkle vector, accepts the receipts and consistency
 * proofs this library produces, and refuses tampered ones with exit code 1 and a reason.
 */
class PythonVerifierTest {
    private static final Path SCRIPT = Path.of("..", "docs", "verify", "verify_receipt.py");
    private static final String ORIGIN = "timestore.example/audit/acme";

    @TempDir
    Path dir;
    private Python python;
    private final TestLog log = TestLog.create(ORIGIN, 21);
    private final ProofJson json = new ProofJson();

    @BeforeEach
    void python3_with_cryptography_is_installed() {
        python = new Python(dir);
        python.require();
        assertThat(SCRIPT).isRegularFile();
    }

    @Test
    void the_script_agrees_with_want_err_on_every_vector_file() {
        List<Vector> vectors = Stream.concat(ProofVectors.all("inclusion").stream(), ProofVectors.all("consistency").stream()).toList();
        List<String> args = new ArrayList<>(List.of(ProofVectors.resource("/verify/run_vectors.py").toString(), SCRIPT.getParent().toString()));
        vectors.forEach(v -> args.add(v.file().toString()));

        Python.Result result = python.run(args);

        assertThat(result.exitCode()).as(result.stderr()).isZero();
        Map<String, String> verdicts = result.stdout().lines()
                .collect(Collectors.toMap(line -> line.split(" ", 3)[1], Function.identity()));
        List<String> disagreements = new ArrayList<>();
        for (Vector vector : vectors) {
            String verdict = verdicts.get(vector.file().toString());
            if (verdict == null || verdict.startsWith("reject") != vector.wantErr()) {
                disagreements.add(vector + ": " + verdict);
            }
        }
        assertThat(vectors).hasSize(196);
        assertThat(verdicts).hasSize(196);
        assertThat(disagreements).isEmpty();
    }

    @Test
    void receipts_from_the_java_library_verify() throws IOException {
        for (long[] seqAndSize : new long[][] {{1, 1}, {1, 21}, {7, 21}, {16, 21}, {21, 21}, {3, 8}}) {
            Path receipt = write(json.writeReceipt(log.receipt(seqAndSize[0], seqAndSize[1])));

            Python.Result result = verifyReceipt(log.key().verifierKey().encode(), receipt);

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).startsWith("valid: event " + log.eventIds().get((int) seqAndSize[0] - 1));
        }
    }

    @Test
    void tampered_receipts_are_refused_with_exit_code_1_and_a_reason() throws IOException {
        Receipt r = log.receipt(6, 21);
        Receipt other = log.receipt(7, 21);
        String vkey = log.key().verifierKey().encode();
        List<TreeHash> changedPath = new ArrayList<>(r.inclusionProof());
        changedPath.set(2, TreeProofsProperties.flip(changedPath.get(2), 0));
        byte[] changedEvent = r.canonical();
        changedEvent[changedEvent.length - 2] ^= 1;
        NoteSigner sameKeyOtherLog = NoteSigner.of("timestore.example/audit/globex", keyPairOf(log.key()));
        TestLog globex = new TestLog("timestore.example/audit/globex", sameKeyOtherLog, log.eventIds(), log.canonical(), log.store());

        Map<String, Receipt> tampered = Map.of(
                "changed proof hash", new Receipt(r.eventId(), r.seq(), r.leafHash(), r.canonical(), changedPath, r.checkpoint()),
                "changed event bytes", new Receipt(r.eventId(), r.seq(), r.leafHash(), changedEvent, r.inclusionProof(), r.checkpoint()),
                "another event's id", new Receipt(other.eventId(), r.seq(), r.leafHash(), r.canonical(), r.inclusionProof(), r.checkpoint()),
                "another seq", new Receipt(r.eventId(), 7, r.leafHash(), r.canonical(), r.inclusionProof(), r.checkpoint()),
                "seq beyond the tree", new Receipt(r.eventId(), 22, r.leafHash(), r.canonical(), r.inclusionProof(), r.checkpoint()),
                "changed checkpoint size", new Receipt(r.eventId(), r.seq(), r.leafHash(), r.canonical(), r.inclusionProof(),
                        r.checkpoint().replace("\n21\n", "\n22\n")),
                "checkpoint of another log signed with a key named after it", globex.receipt(6, 21),
                "checkpoint of another log under this log's key name", new Receipt(r.eventId(), r.seq(), r.leafHash(), r.canonical(),
                        r.inclusionProof(), forgeOrigin(r.checkpoint(), "timestore.example/audit/globex", log.key())),
                "leaf hash without bytes, not in the tree", new Receipt(r.eventId(), r.seq(), other.leafHash(), null, r.inclusionProof(),
                        r.checkpoint()));

        for (var entry : tampered.entrySet()) {
            Python.Result result = verifyReceipt(vkey, write(json.writeReceipt(entry.getValue())));

            assertThat(result.exitCode()).as(entry.getKey() + ": " + result.stdout()).isEqualTo(1);
            assertThat(result.stderr()).as(entry.getKey()).startsWith("invalid: ");
        }
        Python.Result otherKey = verifyReceipt(NoteSigner.generate(ORIGIN, new SecureRandom()).verifierKey().encode(), write(json.writeReceipt(r)));
        assertThat(otherKey.exitCode()).isEqualTo(1);
        assertThat(otherKey.stderr()).contains("not signed by " + ORIGIN);
    }

    @Test
    void a_consistency_proof_between_two_saved_checkpoints_verifies() throws IOException {
        for (long[] sizes : new long[][] {{5, 21}, {8, 21}, {1, 2}, {20, 21}, {21, 21}}) {
            Path old = write(log.checkpoint(sizes[0]).toString());
            Path current = write(log.checkpoint(sizes[1]).toString());
            Path proof = write(json.writeConsistency(log.proofs().consistency(sizes[0], sizes[1])));

            Python.Result result = verifyConsistency(log.key().verifierKey().encode(), old, current, proof);

            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(result.stdout()).isEqualTo("valid: the log grew from %d to %d entries without changing any\n".formatted(sizes[0], sizes[1]));
        }
    }

    @Test
    void a_rewritten_history_a_swapped_pair_or_a_forged_checkpoint_fails_consistency() throws IOException {
        String vkey = log.key().verifierKey().encode();
        Path old = write(log.checkpoint(5).toString());
        Path current = write(log.checkpoint(21).toString());
        ConsistencyProof proof = log.proofs().consistency(5, 21);
        Path good = write(json.writeConsistency(proof));
        List<TreeHash> changed = new ArrayList<>(proof.hashes());
        changed.set(0, TreeProofsProperties.flip(changed.getFirst(), 9));
        TestLog rewritten = TestLog.create(ORIGIN, 21);
        Path forkedByTheLog = write(new TreeCheckpoint(ORIGIN, 21, rewritten.root(21)).sign(List.of(log.key())).toString());
        Path forgedByAnother = write(rewritten.checkpoint(21).toString());

        assertThat(verifyConsistency(vkey, old, current, write(json.writeConsistency(new ConsistencyProof(5, 21, changed)))).exitCode()).isEqualTo(1);
        assertThat(verifyConsistency(vkey, current, old, good).exitCode()).isEqualTo(1);
        assertThat(verifyConsistency(vkey, old, forkedByTheLog, good).stderr()).startsWith("invalid: ");
        assertThat(verifyConsistency(vkey, old, forkedByTheLog, good).exitCode()).isEqualTo(1);
        assertThat(verifyConsistency(vkey, old, forgedByAnother, good).stderr()).contains("not signed by");
        assertThat(verifyConsistency(vkey, old, write(log.checkpoint(20).toString()), good).stderr()).contains("other tree sizes");
    }

    @Test
    void the_documented_example_verifies_with_the_documented_commands() throws IOException {
        Map<String, String> examples = TlogDoc.examples();
        String vkey = examples.get("verifier-key");
        Path receipt = write(examples.get("receipt"));
        Path old = write(examples.get("checkpoint-1") + "\n");
        Path current = write(examples.get("checkpoint-3") + "\n");
        Path proof = write(examples.get("consistency"));

        Python.Result receiptResult = verifyReceipt(vkey, receipt);
        Python.Result consistencyResult = verifyConsistency(vkey, old, current, proof);

        assertThat(receiptResult.exitCode()).as(receiptResult.stderr()).isZero();
        assertThat(receiptResult.stdout()).isEqualTo("valid: event e76a3960-ddfe-8ceb-82d2-40106413cfd4 is entry 1 of the 3 in the signed checkpoint\n");
        assertThat(consistencyResult.exitCode()).as(consistencyResult.stderr()).isZero();
    }

    private Python.Result verifyReceipt(String vkey, Path receipt) {
        return python.run(List.of(SCRIPT.toString(), "--key", vkey, receipt.toString()));
    }

    private Python.Result verifyConsistency(String vkey, Path old, Path current, Path proof) {
        return python.run(List.of(SCRIPT.toString(), "--key", vkey, "--consistency", old.toString(), current.toString(), proof.toString()));
    }

    private Path write(String content) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "doc", ".txt"), content, StandardCharsets.UTF_8);
    }

    /** The checkpoint's body under another origin, signed by {@code key} (whose name is this log's). */
    private static String forgeOrigin(String checkpoint, String origin, NoteSigner key) {
        TreeCheckpoint body = TreeCheckpoint.parse(Note.parse(checkpoint.getBytes(StandardCharsets.UTF_8)).text());
        return new TreeCheckpoint(origin, body.size(), body.rootHash()).sign(List.of(key)).toString();
    }

    /** The key pair behind a signer, read back from its secret text form. */
    private static KeyPair keyPairOf(NoteSigner signer) {
        String base64 = signer.encodeSecret().split("\\+", 5)[4];
        byte[] typed = Base64.getDecoder().decode(base64);
        return Ed25519.fromSeed(Arrays.copyOfRange(typed, 1, typed.length));
    }
}
