package io.timestore.server.auditapi;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.TimestoreServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Before a signed checkpoint covers an event, its receipt is a 409 {@code audit_proof_pending}
 * problem (retry later), and a log without a checkpoint has none to serve (404); the mutation's
 * response names its event all the same.
 */
class ReceiptPendingTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withAudit(s.audit().withCheckpoints(100_000_000, Duration.ofDays(1))));

    @Test
    void a_sealed_event_without_a_covering_checkpoint_has_a_pending_receipt() throws Exception {
        server.tenant("acme");
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}", bearer(server.tokens().user("acme", "tenant-admin")));
        server.timestore().sequencer().sealNow().get(30, java.util.concurrent.TimeUnit.SECONDS);
        var auditor = bearer(server.tokens().user("acme", "auditor"));

        var receipt = server.api().get("/api/audit/v1alpha1/events/" + created.header("Audit-Event-Id") + "/receipt", auditor);
        var checkpoint = server.api().get("/api/audit/v1alpha1/log/checkpoint", auditor);
        var inclusion = server.api().get("/api/audit/v1alpha1/log/inclusion?seq=1", auditor);

        assertThat(created.header("Audit-Event-Id")).isEqualTo(created.json().get("audit_event_id").asText());
        assertThat(receipt.statusCode()).as(receipt.body()).isEqualTo(409);
        assertThat(receipt.json().get("code").asText()).isEqualTo("audit_proof_pending");
        assertThat(checkpoint.statusCode()).isEqualTo(404);
        assertThat(checkpoint.contentType()).startsWith("application/problem+json");
        assertThat(inclusion.statusCode()).isEqualTo(409);
    }
}
