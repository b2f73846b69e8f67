package io.timestore.server.cli;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.tlog.NoteSigner;
import io.timestore.audit.tlog.NoteVerifierKey;
import io.timestore.audit.tlog.Rfc6962;
import io.timestore.audit.tlog.TreeCheckpoint;
import io.timestore.server.testing.TimestoreServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code timestore audit witness} against a running server: it saves the tenant's latest checkpoint,
 * accepts a grown log with a consistency proof, and exits 3 with a one-line reason on a checkpoint
 * signed by another key, a shrunk tree and a split view.
 */
class AuditWitnessTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withAudit(s.audit().withCheckpoints(1, Duration.ofHours(1))));
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        server.tenant("acme");
        grow();
    }

    private static void grow() throws Exception {
        for (int i = 0; i < 3; i++) {
            server.api().get("/admin/v1/tokens", bearer(server.tokens().user("acme", "tenant-admin")));
        }
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    private record Run(int exitCode, String out, String err) {}

    private Run witness(Path state, String... more) {
        var args = new ArrayList<>(List.of("audit", "witness", "--server", server.api().base().toString(), "--tenant", "acme",
                "--state", state.toString()));
        args.addAll(List.of(more));
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(AuditWitness.TOKEN_VARIABLE, server.tokens().user("acme", "auditor")));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String publishedKey() {
        return server.api().get("/api/audit/v1alpha1/log/keys", bearer(server.tokens().user("acme", "auditor"))).json().get("current").asText();
    }

    private static NoteSigner serverSigner() {
        try {
            // The key file the test server signs with (TimestoreServer.settingsFor writes it).
            var keyPair = CheckpointKeys.fromFileText(Files.readString(server.dataDir().resolve("audit-checkpoint.key")));
            return NoteSigner.of(NoteVerifierKey.parse(publishedKey()).name(), keyPair);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A state file whose saved checkpoint is signed by the server's own key but is not the log's. */
    private Path stateWith(long size) throws Exception {
        Path state = dir.resolve("forged-history.json");
        assertThat(witness(state, "--key", publishedKey()).exitCode()).isZero();
        var signer = serverSigner();
        var note = new TreeCheckpoint(signer.name(), size, Rfc6962.leafHash("another history".getBytes(StandardCharsets.UTF_8)))
                .sign(List.of(signer));
        var saved = (ObjectNode) JSON.readTree(state.toFile());
        saved.put("checkpoint", note.toString());
        JSON.writeValue(state.toFile(), saved);
        return state;
    }

    @Test
    void the_first_run_saves_the_checkpoint_and_the_next_accepts_the_grown_log() throws Exception {
        Path state = dir.resolve("acme.json");

        var first = witness(state, "--key", publishedKey());
        grow();
        var second = witness(state);

        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).startsWith("ok: timestore/acme at tree size ").contains("consistent with the saved size");
        assertThat(JSON.readTree(state.toFile()).get("checkpoint").asText()).startsWith("timestore/acme\n");
    }

    @Test
    void a_checkpoint_signed_by_another_key_is_refused_with_exit_3() {
        var impostor = NoteSigner.generate(NoteVerifierKey.parse(publishedKey()).name(), new SecureRandom());

        var run = witness(dir.resolve("impostor.json"), "--key", impostor.verifierKey().encode());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
        assertThat(run.err().strip()).startsWith("timestore: audit witness: forged checkpoint:").doesNotContain("\n");
        assertThat(dir.resolve("impostor.json")).doesNotExist();
    }

    @Test
    void a_tree_smaller_than_the_saved_one_is_refused_with_exit_3() throws Exception {
        Path state = stateWith(1_000_000);
        String before = Files.readString(state);

        var run = witness(state);

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
        assertThat(run.err()).contains("shrunk tree: the log had 1000000 events");
        assertThat(Files.readString(state)).as("the saved checkpoint is kept").isEqualTo(before);
    }

    @Test
    void a_log_that_does_not_extend_the_saved_history_is_a_split_view_with_exit_3() throws Exception {
        Path state = stateWith(2);

        var run = witness(state);

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(3);
        assertThat(run.err()).contains("split view:");
    }
}
