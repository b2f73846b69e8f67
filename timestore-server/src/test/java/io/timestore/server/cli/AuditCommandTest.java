package io.timestore.server.cli;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.testing.LogTampering;
import io.timestore.server.testing.TimestoreServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * `timestore audit verify|export|purge` against the database of a running server; `audit verify`
 * catches tampering with the chain and with the Merkle tree and its signed checkpoints (issue #18).
 */
class AuditCommandTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withAudit(s.audit().withCheckpoints(1, Duration.ofHours(1))));

    @BeforeAll
    static void events() throws Exception {
        server.tenant("acme");
        for (int i = 0; i < 7; i++) {
            server.api().get("/admin/v1/tokens", bearer(server.tokens().user("acme", "tenant-admin")));
        }
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        var env = new HashMap<String, String>(Map.of(
                "TIMESTORE_DB_URL", server.postgres().jdbcUrl(server.database()),
                "TIMESTORE_DATA_DIR", server.dataDir().toString(),
                "TIMESTORE_AUDIT_SIGNING_KEY_FILE", server.dataDir().resolve("audit-checkpoint.key").toString()));
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void verify_reports_every_partition_ok_with_exit_code_zero() throws Exception {
        var result = run("audit", "verify", "--tenant", "acme");

        assertThat(result.exitCode()).as(result.err()).isZero();
        var report = new ObjectMapper().readTree(result.out());
        assertThat(report.get("ok").asBoolean()).isTrue();
        assertThat(report.get("events_checked").asLong()).isGreaterThanOrEqualTo(7);
    }

    @Test
    void verify_exits_3_naming_the_first_bad_seq_after_tampering() throws Exception {
        server.tenant("victim");
        server.api().get("/admin/v1/tokens", bearer(server.tokens().user("victim", "tenant-admin")));
        server.api().get("/admin/v1/tokens", bearer(server.tokens().user("victim", "tenant-admin")));
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
        try (var superuser = server.postgres().superuser(server.database()); var statement = superuser.createStatement()) {
            statement.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
            statement.execute("""
                    UPDATE audit_events SET event = jsonb_set(event::jsonb, '{outcome,status}', '201')::json
                    WHERE tenant_id = 'victim' AND event_id = (SELECT event_id FROM audit_seals WHERE tenant_id = 'victim' AND seq = 2)
                    """);
            statement.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only");
        }

        var result = run("audit", "verify", "--tenant", "victim");

        assertThat(result.exitCode()).isEqualTo(3);
        var report = new ObjectMapper().readTree(result.out());
        assertThat(report.get("ok").asBoolean()).isFalse();
        assertThat(report.at("/tenants/0/first_bad_seq").asLong()).isEqualTo(2);
    }

    @Test
    void verify_exits_3_naming_the_first_bad_seq_when_a_stored_leaf_was_changed() throws Exception {
        sealedEvents("leafy", 4);
        new LogTampering(server).forgeLeaf("leafy", 2);

        assertVerifyFails("leafy", "tree_leaf_mismatch", 3);
    }

    @Test
    void verify_exits_3_naming_the_first_bad_seq_when_a_stored_interior_node_was_changed() throws Exception {
        sealedEvents("nodey", 4);
        new LogTampering(server).forgeNode("nodey", 1, 1);

        assertVerifyFails("nodey", "tree_node_mismatch", 3);
    }

    @Test
    void verify_exits_3_naming_the_checkpoint_when_a_tree_checkpoint_was_re_signed_with_another_key() throws Exception {
        sealedEvents("signy", 3);
        var forged = new LogTampering(server).forgeLatestCheckpoint("signy");

        assertVerifyFails("signy", "tree_checkpoint_bad_signature", forged.genuine().size());
    }

    @Test
    void verify_exits_3_naming_the_first_bad_seq_when_a_stored_node_was_deleted() throws Exception {
        sealedEvents("holey", 4);
        new LogTampering(server).deleteNode("holey", 1, 0);

        assertVerifyFails("holey", "tree_incomplete", 1);
    }

    @Test
    void verify_exits_3_when_the_whole_tree_was_deleted_but_its_signed_checkpoint_remains() throws Exception {
        // Only a partition with neither nodes nor tree checkpoints counts as not built yet (sealed
        // before the trees existed); here a checkpoint signed the tree, so its loss is tampering.
        sealedEvents("treeless", 3);
        new LogTampering(server).deleteTree("treeless");

        assertVerifyFails("treeless", "tree_leaf_mismatch", 1);
    }

    private static void sealedEvents(String tenant, int count) throws Exception {
        server.tenant(tenant);
        for (int i = 0; i < count; i++) {
            server.api().get("/admin/v1/tokens", bearer(server.tokens().user(tenant, "tenant-admin")));
        }
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    private static void assertVerifyFails(String tenant, String reason, long firstBadSeq) throws Exception {
        var result = run("audit", "verify", "--tenant", tenant);

        assertThat(result.exitCode()).as(result.out() + result.err()).isEqualTo(3);
        LogTampering.assertReportFails(new ObjectMapper().readTree(result.out()), reason, firstBadSeq);
    }

    @Test
    void export_streams_ndjson_and_csv_of_one_tenant() {
        var ndjson = run("audit", "export", "--tenant", "acme");
        var csv = run("audit", "export", "--tenant", "acme", "--format", "csv");

        assertThat(ndjson.exitCode()).as(ndjson.err()).isZero();
        assertThat(ndjson.out().lines()).hasSizeGreaterThanOrEqualTo(7)
                .allSatisfy(line -> assertThat(line).contains("\"tenant_id\":\"acme\""));
        assertThat(csv.out().lines().findFirst().orElseThrow()).startsWith("event_id,tenant_id");
        assertThat(csv.out().lines().count()).isEqualTo(ndjson.out().lines().count() + 1);
        assertThat(run("audit", "export", "--tenant", "Not A Tenant").exitCode()).isEqualTo(2);
    }

    @Test
    void a_purge_dry_run_reports_without_changing_anything() throws Exception {
        var result = run("audit", "purge", "--tenant", "acme", "--dry-run");

        assertThat(result.exitCode()).as(result.err()).isZero();
        var report = new ObjectMapper().readTree(result.out());
        assertThat(report.get("dry_run").asBoolean()).isTrue();
        assertThat(report.get("partitions")).as("nothing is older than 365 days").isEmpty();
    }

    @Test
    void verify_export_and_purge_refuse_a_tenant_the_audit_trail_has_no_partition_for() {
        for (var args : java.util.List.of(
                new String[] {"audit", "verify", "--tenant", "nosuch"},
                new String[] {"audit", "verify", "--tenant", "acme,nosuch"},
                new String[] {"audit", "export", "--tenant", "nosuch"},
                new String[] {"audit", "purge", "--tenant", "nosuch", "--dry-run"})) {
            var result = run(args);

            assertThat(result.exitCode()).as("%s: %s", String.join(" ", args), result.err()).isEqualTo(2);
            assertThat(result.out()).isEmpty();
            assertThat(result.err()).contains("--tenant").contains("'nosuch'");
        }
    }
}
