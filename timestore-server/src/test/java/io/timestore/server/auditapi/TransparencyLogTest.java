package io.timestore.server.auditapi;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.audit.tlog.InvalidNote;
import io.timestore.audit.tlog.InvalidProof;
import io.timestore.audit.tlog.LogOrigin;
import io.timestore.audit.tlog.ProofJson;
import io.timestore.audit.tlog.ProofVerifier;
import io.timestore.audit.tlog.Rfc6962;
import io.timestore.audit.tlog.TreeCheckpoint;
import io.timestore.audit.tlog.TreeHash;
import io.timestore.server.testing.LogTampering;
import io.timestore.server.testing.TimestoreServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #18 over HTTP against the real database: writes name their audit event, the sequencer
 * builds each partition's Merkle tree and signs C2SP checkpoints, and the proofs and receipts the
 * server hands out verify with the Java verifier and with docs/verify/verify_receipt.py; tampering
 * with a stored leaf, node or checkpoint is caught by the verify route and by proof verification.
 */
class TransparencyLogTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withAudit(s.audit().withCheckpoints(1, Duration.ofHours(1))));
    private static LogClient acme;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        server.tenant("acme").tenant("globex").tenant("leafy").tenant("nodey").tenant("signy");
        acme = new LogClient(server, "acme");
        acme.eventsSealed(5);
    }

    @Test
    void a_write_names_its_audit_event_whose_receipt_verifies_in_java_and_in_python() throws Exception {
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}",
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var eventId = created.header("Audit-Event-Id");
        assertThat(eventId).isNotNull();
        assertThat(created.json().get("audit_event_id").asText()).isEqualTo(eventId);
        acme.seal();

        var receipt = acme.receipt(eventId);
        var checkpoint = receipt.verify(acme.verifiers(), acme.origin());
        var leaf = acme.get(LogClient.EVENTS + eventId + "/leaf");
        Path file = dir.resolve("receipt.json");
        Files.writeString(file, acme.get(LogClient.EVENTS + eventId + "/receipt").body());
        var python = LogClient.python(dir, "--key", acme.key().encode(), file.toString());

        assertThat(receipt.eventId().toString()).isEqualTo(eventId);
        assertThat(checkpoint.origin()).isEqualTo(LogOrigin.of("timestore", "acme"));
        assertThat(receipt.seq()).isLessThanOrEqualTo(checkpoint.size());
        assertThat(leaf.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        assertThat(Rfc6962.leafHash(leaf.body().getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(receipt.leafHash());
        assertThat(python.exitCode()).as(python.err()).isZero();
        assertThat(python.out()).startsWith("valid: event " + eventId);
    }

    @Test
    void inclusion_and_consistency_proofs_verify_against_two_signed_checkpoints() throws Exception {
        TreeCheckpoint older = acme.checkpoint();
        acme.eventsSealed(3);
        TreeCheckpoint newer = acme.checkpoint();

        var consistency = acme.get(LogClient.LOG + "consistency?size1=" + older.size() + "&size2=" + newer.size());
        var inclusion = acme.get(LogClient.LOG + "inclusion?seq=2&tree_size=" + newer.size()).json();
        var proof = new ArrayList<TreeHash>();
        inclusion.get("proof").forEach(h -> proof.add(TreeHash.fromBase64(h.asText())));
        var leafBytes = acme.get(LogClient.EVENTS + inclusion.get("event_id").asText() + "/leaf").body();

        assertThat(newer.size()).isGreaterThan(older.size());
        assertThat(consistency.statusCode()).as(consistency.body()).isEqualTo(200);
        new ProofJson().readConsistency(consistency.body()).verify(older.rootHash(), newer.rootHash());
        assertThat(inclusion.get("leaf_index").asLong()).isEqualTo(1);
        assertThat(TreeHash.fromBase64(inclusion.get("leaf_hash").asText()))
                .isEqualTo(Rfc6962.leafHash(leafBytes.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        ProofVerifier.verifyInclusion(1, newer.size(), TreeHash.fromBase64(inclusion.get("leaf_hash").asText()), proof, newer.rootHash());
    }

    @Test
    void bad_sizes_are_400_unknown_and_foreign_events_404_and_readers_403() {
        long size = acme.checkpoint().size();
        var beyond = acme.get(LogClient.LOG + "consistency?size1=1&size2=" + (size + 1_000_000));
        var zero = acme.get(LogClient.LOG + "consistency?size1=0");
        var both = acme.get(LogClient.LOG + "inclusion?seq=1&event_id=" + java.util.UUID.randomUUID());
        var unknown = acme.get(LogClient.EVENTS + java.util.UUID.randomUUID() + "/receipt");
        var foreign = acme.get(LogClient.EVENTS + server.api().postJson("/storage/v1/datasets", "{\"id\": \"mem\"}",
                bearer(server.tokens().user("globex", "tenant-admin"))).header("Audit-Event-Id") + "/receipt");
        var reader = server.api().get(LogClient.LOG + "checkpoint", bearer(server.tokens().user("acme", "reader")));

        assertThat(beyond.statusCode()).isEqualTo(400);
        assertThat(beyond.json().at("/errors/0/pointer").asText()).isEqualTo("/size2");
        assertThat(zero.statusCode()).isEqualTo(400);
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(reader.statusCode()).isEqualTo(403);
    }

    @Test
    void an_operator_reads_any_partition_log_with_the_key_named_after_that_log() throws Exception {
        new LogClient(server, "globex").eventsSealed(2);
        var operator = bearer(server.tokens().platformOperator());

        var keys = server.api().get(LogClient.LOG + "keys?tenant=globex", operator);
        var note = server.api().get(LogClient.LOG + "checkpoint?tenant=globex", operator);

        assertThat(keys.statusCode()).as(keys.body()).isEqualTo(200);
        assertThat(keys.json().get("origin").asText()).isEqualTo("timestore/globex");
        assertThat(note.statusCode()).as(note.body()).isEqualTo(200);
        assertThat(note.contentType()).startsWith("text/plain");
        var key = io.timestore.audit.tlog.NoteVerifierKey.parse(keys.json().get("current").asText());
        assertThat(TreeCheckpoint.open(note.body(), io.timestore.audit.tlog.NoteVerifiers.of(key), "timestore/globex").size()).isPositive();
    }

    @Test
    void a_tampered_leaf_is_caught_by_verify_and_breaks_the_proofs_through_it() throws Exception {
        var leafy = new LogClient(server, "leafy");
        leafy.eventsSealed(4);
        String second = leafy.eventAt(2, leafy.checkpoint().size());

        new LogTampering(server).forgeLeaf("leafy", 0);

        assertVerifyFails(leafy, "tree_leaf_mismatch", 1);
        // Leaf 0 is leaf 1's sibling: its receipt's path now leads to another root than the signed one.
        var receipt = leafy.receipt(second);
        assertThatThrownBy(() -> receipt.verify(leafy.verifiers(), leafy.origin())).isInstanceOf(InvalidProof.class);
    }

    @Test
    void a_tampered_interior_node_is_caught_by_verify_and_breaks_the_proofs_through_it() throws Exception {
        var nodey = new LogClient(server, "nodey");
        nodey.eventsSealed(4);
        String third = nodey.eventAt(3, nodey.checkpoint().size());

        new LogTampering(server).forgeNode("nodey", 1, 0);

        assertVerifyFails(nodey, "tree_node_mismatch", 1);
        var receipt = nodey.receipt(third);
        assertThatThrownBy(() -> receipt.verify(nodey.verifiers(), nodey.origin())).isInstanceOf(InvalidProof.class);
    }

    @Test
    void a_checkpoint_re_signed_with_another_key_is_caught_by_verify_and_refused_by_readers() throws Exception {
        var signy = new LogClient(server, "signy");
        signy.eventsSealed(2);

        var forged = new LogTampering(server).forgeLatestCheckpoint("signy");

        assertVerifyFails(signy, "tree_checkpoint_bad_signature", forged.genuine().size());
        assertThatThrownBy(() -> TreeCheckpoint.open(forged.note().toString(), signy.verifiers(), signy.origin()))
                .isInstanceOf(InvalidNote.class);
    }

    private static void assertVerifyFails(LogClient client, String reason, long firstBadSeq) {
        var report = client.get("/api/audit/v1alpha1/verify");
        assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
        LogTampering.assertReportFails(report.json(), reason, firstBadSeq);
    }
}
