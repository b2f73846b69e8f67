package io.timestore.server.auditapi;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.tlog.NoteVerifierKey;
import io.timestore.audit.tlog.NoteVerifiers;
import io.timestore.audit.tlog.ProofJson;
import io.timestore.audit.tlog.Receipt;
import io.timestore.audit.tlog.TreeCheckpoint;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.TimestoreServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A tenant auditor's view of its partition's verifiable log, over HTTP, for the log tests. */
final class LogClient {
    static final String LOG = "/api/audit/v1alpha1/log/";
    static final String EVENTS = "/api/audit/v1alpha1/events/";
    private static final Path SCRIPT = Path.of("..", "docs", "verify", "verify_receipt.py");

    private final TimestoreServer server;
    private final String tenant;
    private final ProofJson proofs = new ProofJson();

    LogClient(TimestoreServer server, String tenant) {
        this.server = server;
        this.tenant = tenant;
    }

    String[] auditor() {
        return bearer(server.tokens().user(tenant, "auditor"));
    }

    ApiResponse get(String path) {
        return server.api().get(path, auditor());
    }

    /** Some events of the tenant (token listings), sealed and signed into the log. */
    void eventsSealed(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            server.api().get("/admin/v1/tokens", bearer(server.tokens().user(tenant, "tenant-admin")));
        }
        seal();
    }

    void seal() throws Exception {
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    /** The tenant's published current verifier key. */
    NoteVerifierKey key() {
        var keys = get(LOG + "keys");
        assertThat(keys.statusCode()).as(keys.body()).isEqualTo(200);
        return NoteVerifierKey.parse(keys.json().get("current").asText());
    }

    String origin() {
        return key().name();
    }

    NoteVerifiers verifiers() {
        return NoteVerifiers.of(key());
    }

    /** The latest signed checkpoint, opened with the published key. */
    TreeCheckpoint checkpoint() {
        var note = get(LOG + "checkpoint");
        assertThat(note.statusCode()).as(note.body()).isEqualTo(200);
        return TreeCheckpoint.open(note.body(), verifiers(), origin());
    }

    Receipt receipt(String eventId) {
        var response = get(EVENTS + eventId + "/receipt");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return proofs.readReceipt(response.body());
    }

    /** The id of the event sealed at {@code seq}, from its inclusion proof. */
    String eventAt(long seq, long treeSize) {
        var response = get(LOG + "inclusion?seq=" + seq + "&tree_size=" + treeSize);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.json().get("event_id").asText();
    }

    /** Runs {@code python3 docs/verify/verify_receipt.py args...}; fails when Python 3 with cryptography is missing. */
    static Python python(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", SCRIPT.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "python", ".out");
        Path err = Files.createTempFile(dir, "python", ".err");
        var builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("python3 finished within a minute").isTrue();
        var result = new Python(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        assertThat(result.err()).as("python3 with the cryptography package (apt-get install python3-cryptography)")
                .doesNotContain("ModuleNotFoundError");
        return result;
    }

    record Python(int exitCode, String out, String err) {}
}
