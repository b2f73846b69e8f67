package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointVerifier;
import io.timestore.audit.verify.ChainVerifier;
import io.timestore.audit.verify.VerificationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The worked examples of docs/audit-events.md, checked byte for byte, so the document an auditor
 * reimplements from and the code cannot drift apart.
 */
class DocumentedExampleTest {
    private static final Path DOC = Path.of("..", "docs", "audit-events.md");
    private static final Pattern EXAMPLE = Pattern.compile("<!-- example:([a-z-]+) -->\\n```[a-z]*\\n(.*?)\\n```", Pattern.DOTALL);

    private final Map<String, String> examples = examples();
    private final AuditJson json = new AuditJson();
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void the_documented_canonical_bytes_are_what_the_library_encodes_for_the_documented_event() {
        AuditEvent event = json.read(examples.get("event"));

        assertThat(new String(CanonicalEncoding.encode(event), StandardCharsets.UTF_8)).isEqualTo(examples.get("canonical"));
    }

    @Test
    void the_documented_canonical_bytes_are_rfc8785_of_the_documented_json_without_its_seal() throws IOException {
        ObjectNode stored = (ObjectNode) mapper.readTree(examples.get("event"));
        stored.remove(List.of("seq", "prev_hash", "hash"));

        assertThat(CanonicalEncodingTest.outsideToolBytes(stored)).isEqualTo(examples.get("canonical").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void the_documented_hash_is_sha256_of_the_genesis_prev_hash_and_the_canonical_bytes() throws Exception {
        AuditEvent event = json.read(examples.get("event"));
        var sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(new byte[32]);
        sha256.update(examples.get("canonical").getBytes(StandardCharsets.UTF_8));
        String hash = java.util.HexFormat.of().formatHex(sha256.digest());

        assertThat(event.seal().prevHash()).isEqualTo(ChainHash.GENESIS);
        assertThat(event.seal().hash().hex()).isEqualTo(hash);
        assertThat(document()).contains("= " + hash);
    }

    @Test
    void the_documented_event_id_is_derived_from_its_tenant_and_request() {
        AuditEvent event = json.read(examples.get("event"));

        assertThat(event.eventId()).isEqualTo(EventIds.forRequest(event.tenantId(), event.requestId()));
    }

    @Test
    void the_documented_checkpoint_is_signed_over_the_documented_bytes_by_the_documented_key() throws IOException {
        JsonNode checkpointJson = mapper.readTree(examples.get("checkpoint"));
        Checkpoint checkpoint = Checkpoint.fromJson(checkpointJson);
        var publicKey = CheckpointKeys.decodePublic(examples.get("public-key"));

        assertThat(checkpoint.signedText()).isEqualTo(examples.get("checkpoint-signed"));
        assertThat(CheckpointKeys.keyId(publicKey)).isEqualTo(checkpoint.keyId());
        assertThat(new CheckpointVerifier(List.of(publicKey)).check(checkpoint)).isEqualTo(CheckpointVerifier.Check.VALID);
    }

    @Test
    void the_documented_chain_verifies_end_to_end() {
        AuditEvent event = json.read(examples.get("event"));
        Checkpoint checkpoint = Checkpoint.fromJson(readTree(examples.get("checkpoint")));
        var verifier = new ChainVerifier(new CheckpointVerifier(List.of(CheckpointKeys.decodePublic(examples.get("public-key")))));

        var result = verifier.verify("acme", List.of(event).iterator(), List.of(checkpoint));

        assertThat(result.ok()).as(result.message()).isTrue();
        assertThat(result.signedThroughSeq()).isEqualTo(1);
    }

    @Test
    void every_failure_reason_is_documented() {
        String doc = document();

        for (var reason : VerificationResult.Reason.values()) {
            assertThat(doc).contains("| `" + reason.label() + "` |");
        }
    }

    private JsonNode readTree(String text) {
        try {
            return mapper.readTree(text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, String> examples() {
        Map<String, String> found = new HashMap<>();
        Matcher m = EXAMPLE.matcher(document());
        while (m.find()) {
            found.put(m.group(1), m.group(2));
        }
        assertThat(found).containsOnlyKeys("event", "canonical", "checkpoint", "checkpoint-signed", "public-key");
        return found;
    }

    private static String document() {
        try {
            return Files.readString(DOC, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("docs/audit-events.md must exist next to the module: " + DOC.toAbsolutePath(), e);
        }
    }
}
