package io.timestore.server.cli;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.config.AuditSettings;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/**
 * Rotating the audit checkpoint key on a running server (docs/security.md "Key rotation"):
 * {@code timestore keys rotate-checkpoint-key} writes a new key, the server signs with it without a restart,
 * checkpoints from before and after verify, the old key stays listed, a witness that trusts only
 * the old key keeps verifying through the grace period (the old key co-signs tree notes) and is
 * refused once the old key is retired, and accepts the log again with the new key.
 */
class CheckpointKeyRotationTest {
    private static final MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withClock(clock)
            .with(s -> s.withAudit(s.audit().withCheckpoints(1, Duration.ofHours(1))));
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
    }

    private static void grow() throws Exception {
        // Each checkpoint must be signed later than the one before (CheckpointSigner).
        clock.add(Duration.ofSeconds(1));
        for (int i = 0; i < 3; i++) {
            server.api().get("/admin/v1/tokens", bearer(server.tokens().user("acme", "tenant-admin")));
        }
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run cli(Map<String, String> environment, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                environment);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run witness(Path state, String... more) {
        var args = new ArrayList<>(List.of("audit", "witness", "--server", server.api().base().toString(), "--tenant", "acme",
                "--state", state.toString()));
        args.addAll(List.of(more));
        return cli(Map.of(AuditWitness.TOKEN_VARIABLE, server.tokens().user("acme", "auditor")), args.toArray(String[]::new));
    }

    private static JsonNode auditRead(String path) {
        var response = server.api().get(path, bearer(server.tokens().user("acme", "auditor")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private static String currentNoteKey() {
        return auditRead("/api/audit/v1alpha1/log/keys").get("current").asText();
    }

    private static List<String> checkpointKeyIds() {
        return StreamSupport.stream(auditRead("/api/audit/v1alpha1/checkpoints?limit=1000").get("items").spliterator(), false)
                .map(c -> c.get("key_id").asText()).distinct().toList();
    }

    @Test
    void a_rotated_checkpoint_key_signs_without_restart_while_old_checkpoints_and_witnesses_keep_verifying() throws Exception {
        grow();
        Path state = dir.resolve("acme.json");
        String oldNoteKey = currentNoteKey();
        assertThat(witness(state, "--key", oldNoteKey).exitCode()).isZero();
        List<String> before = checkpointKeyIds();
        assertThat(before).hasSize(1);

        var rotated = cli(Map.of("TIMESTORE_AUDIT_SIGNING_KEY_FILE", server.dataDir().resolve("audit-checkpoint.key").toString()),
                "keys", "rotate-checkpoint-key", "--data-dir", server.dataDir().toString());
        assertThat(rotated.exitCode()).as(rotated.err()).isZero();
        var result = JSON.readTree(rotated.out());
        String newKeyId = result.get("key_id").asText();
        assertThat(result.get("previous_key_id").asText()).isEqualTo(before.getFirst());
        Await.until("the server signs with the rotated key", Duration.ofSeconds(30), () -> !currentNoteKey().equals(oldNoteKey));
        grow();

        assertThat(checkpointKeyIds()).as("checkpoints before and after the rotation").containsExactlyInAnyOrder(before.getFirst(), newKeyId);
        assertThat(auditRead("/api/audit/v1alpha1/verify").get("ok").asBoolean()).isTrue();
        var keys = auditRead("/api/audit/v1alpha1/log/keys");
        assertThat(keys.get("keys")).hasSize(2);
        assertThat(keys.get("keys").toString()).contains(oldNoteKey);
        assertThat(auditRead("/api/audit/v1alpha1/checkpoints").get("public_keys").findValuesAsText("key_id"))
                .as("both public keys stay published").contains(before.getFirst(), newKeyId);
        var duringGrace = witness(state);
        assertThat(duringGrace.exitCode()).as("the old key co-signs during the grace period: " + duringGrace.err()).isZero();

        clock.add(AuditSettings.SIGNING_KEY_GRACE.plusSeconds(1));
        grow();
        var afterRetirement = witness(state);
        var withNewKey = witness(state, "--key", currentNoteKey());

        assertThat(afterRetirement.exitCode()).as("the retired key signs nothing more: " + afterRetirement.out()).isEqualTo(3);
        assertThat(afterRetirement.err()).contains("forged checkpoint");
        assertThat(withNewKey.exitCode()).as(withNewKey.err()).isZero();
        assertThat(auditRead("/api/audit/v1alpha1/verify").get("ok").asBoolean()).isTrue();
    }
}
