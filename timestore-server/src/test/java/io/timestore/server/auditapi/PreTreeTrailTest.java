package io.timestore.server.auditapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditEvent.Actor;
import io.timestore.audit.AuditEvent.ActorType;
import io.timestore.audit.AuditEvent.Operation;
import io.timestore.audit.AuditEvent.Outcome;
import io.timestore.audit.AuditEvent.Request;
import io.timestore.audit.ChainHead;
import io.timestore.audit.Details;
import io.timestore.audit.EventIds;
import io.timestore.audit.Severity;
import io.timestore.audit.chain.Chain;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.tlog.CompactRange;
import io.timestore.audit.tlog.ProofJson;
import io.timestore.audit.tlog.ProofVerifier;
import io.timestore.audit.tlog.Rfc6962;
import io.timestore.audit.tlog.TreeCheckpoint;
import io.timestore.audit.tlog.TreeHash;
import io.timestore.server.cli.Main;
import io.timestore.server.db.OlderSchema;
import io.timestore.server.db.OlderWriter;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.SharedPostgres;
import io.timestore.server.testing.TimestoreServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Upgrading a trail sealed before the Merkle trees existed (Flyway V22, before audit schema script 5
 * ran as V23): right after {@code timestore migrate}, {@code audit verify} verifies the chains and
 * says the trees are not built yet (it reported tampering at seq 1 before); once the upgraded
 * server leads, every partition's tree covers all of its old events as leaves {@code seq - 1}, is
 * signed, serves proofs that verify for the old events and for those sealed after the upgrade, and
 * {@code audit verify} passes with every tree check.
 */
class PreTreeTrailTest {
    /** Sealed before the upgrade; nothing written since. */
    private static final String IDLE = "idle";
    /** Sealed before the upgrade, more queued but unsealed at the upgrade, and more written after it. */
    private static final String BUSY = "busy";
    private static final int OLD_EVENTS = 37;

    private static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withAudit(s.audit().withCheckpoints(1, Duration.ofHours(1))));

    private static SharedPostgres postgres;

    @RegisterExtension
    static final BeforeAllCallback CLUSTER = (ExtensionContext context) -> postgres = SharedPostgres.in(context);

    /** `audit verify` run right after `migrate`, before any server ran the upgraded schema. */
    private static Cli verifiedBeforeServing;

    @BeforeAll
    static void upgradedFromBeforeTheTrees(@TempDir Path operator) throws Exception {
        String database = OlderSchema.database(postgres, "pre_tree_trail", "22");
        var dataSource = new PGSimpleDataSource();
        dataSource.setUrl(postgres.jdbcUrl(database));
        dataSource.setUser(SharedPostgres.RUNTIME);
        OlderWriter.append(dataSource, events(IDLE, 0, OLD_EVENTS));
        OlderWriter.append(dataSource, events(BUSY, 0, OLD_EVENTS));
        var keyFile = operator.resolve("audit-checkpoint.key");
        sealAsBeforeTheTrees(postgres, database, dataSource, keyFile, List.of(IDLE, BUSY));
        OlderWriter.append(dataSource, events(BUSY, OLD_EVENTS, 5));

        var operatorEnvironment = Map.of("TIMESTORE_DB_URL", postgres.jdbcUrl(database), "TIMESTORE_DATA_DIR", operator.toString(),
                "TIMESTORE_AUDIT_SIGNING_KEY_FILE", keyFile.toString());
        var migrated = cli(operatorEnvironment, "migrate");
        assertThat(migrated.exitCode()).as(migrated.out() + migrated.err()).isZero();
        verifiedBeforeServing = cli(operatorEnvironment, "audit", "verify");

        server.startOn(postgres, database);
        server.tenant(IDLE).tenant(BUSY);
        new LogClient(server, BUSY).eventsSealed(3);
        Await.until("both trees are signed over every sealed event", Duration.ofSeconds(30),
                () -> signedSize(IDLE) == OLD_EVENTS && signedSize(BUSY) >= OLD_EVENTS + 5);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void every_event_sealed_before_the_tree_has_an_inclusion_proof_that_verifies_against_the_signed_checkpoint() {
        for (String tenant : List.of(IDLE, BUSY)) {
            var log = new LogClient(server, tenant);
            TreeCheckpoint checkpoint = log.checkpoint();
            for (long seq = 1; seq <= OLD_EVENTS; seq++) {
                var inclusion = log.get(LogClient.LOG + "inclusion?seq=" + seq + "&tree_size=" + checkpoint.size());
                assertThat(inclusion.statusCode()).as(inclusion.body()).isEqualTo(200);
                var proof = new ArrayList<TreeHash>();
                inclusion.json().get("proof").forEach(h -> proof.add(TreeHash.fromBase64(h.asText())));

                ProofVerifier.verifyInclusion(seq - 1, checkpoint.size(), leafHash(log, inclusion.json().get("event_id").asText()), proof,
                        checkpoint.rootHash());
            }
        }
    }

    @Test
    void receipts_of_old_events_verify_and_the_tree_grew_consistently_from_the_old_events_alone() {
        var busy = new LogClient(server, BUSY);
        TreeCheckpoint latest = busy.checkpoint();
        var first = busy.receipt(busy.eventAt(1, latest.size()));
        // The root of the old events alone, recomputed here from their canonical bytes.
        var leaves = new ArrayList<TreeHash>();
        for (long seq = 1; seq <= OLD_EVENTS; seq++) {
            leaves.add(leafHash(busy, busy.eventAt(seq, latest.size())));
        }
        TreeHash beforeUpgrade = CompactRange.empty().appendAll(leaves).range().root();
        var consistency = busy.get(LogClient.LOG + "consistency?size1=" + OLD_EVENTS + "&size2=" + latest.size());

        assertThat(first.seq()).isEqualTo(1);
        assertThat(first.verify(busy.verifiers(), busy.origin()).size()).isGreaterThanOrEqualTo(latest.size());
        assertThat(consistency.statusCode()).as(consistency.body()).isEqualTo(200);
        new ProofJson().readConsistency(consistency.body()).verify(beforeUpgrade, latest.rootHash());
    }

    @Test
    void events_queued_before_the_upgrade_are_sealed_by_the_upgraded_server_and_found_by_their_ids() {
        var busy = new LogClient(server, BUSY);
        TreeCheckpoint latest = busy.checkpoint();
        // Queued by the older writer, without an arrival number (audit schema version 9): their
        // seals are found through the event-id index of seals without one.
        var queued = events(BUSY, OLD_EVENTS, 5);
        for (int i = 0; i < queued.size(); i++) {
            var receipt = busy.receipt(queued.get(i).eventId().toString());

            assertThat(receipt.seq()).isEqualTo(OLD_EVENTS + 1 + i);
            assertThat(receipt.verify(busy.verifiers(), busy.origin()).size()).isGreaterThanOrEqualTo(latest.size());
        }
        var listed = busy.get("/api/audit/v1alpha1/events?component=tokens&limit=100");
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        var sealed = new ArrayList<String>();
        listed.json().get("items").forEach(item -> {
            if (item.hasNonNull("seq")) {
                sealed.add(item.get("event_id").asText());
            }
        });
        assertThat(sealed).containsAll(queued.stream().map(event -> event.eventId().toString()).toList());
    }

    @Test
    void audit_verify_right_after_the_migration_passes_on_the_chains_and_says_the_trees_are_not_built_yet() throws Exception {
        var report = new ObjectMapper().readTree(verifiedBeforeServing.out());

        assertThat(verifiedBeforeServing.exitCode()).as(verifiedBeforeServing.out() + verifiedBeforeServing.err()).isZero();
        assertThat(report.get("ok").asBoolean()).isTrue();
        assertThat(report.get("tenants")).hasSize(2).allSatisfy(tenant -> {
            assertThat(tenant.get("verified_through_seq").asLong()).isGreaterThanOrEqualTo(OLD_EVENTS);
            assertThat(tenant.get("message").asText()).contains("Merkle tree is not built yet");
        });
    }

    @Test
    void audit_verify_passes_over_the_old_chains_and_their_backfilled_trees() throws Exception {
        var result = cli(Map.of("TIMESTORE_DB_URL", server.postgres().jdbcUrl(server.database()),
                "TIMESTORE_DATA_DIR", server.dataDir().toString(),
                "TIMESTORE_AUDIT_SIGNING_KEY_FILE", server.dataDir().resolve("audit-checkpoint.key").toString()), "audit", "verify");
        var report = new ObjectMapper().readTree(result.out());

        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(report.get("ok").asBoolean()).isTrue();
        var verified = new ArrayList<String>();
        report.get("tenants").forEach(t -> verified.add(t.get("tenant_id").asText() + " " + t.get("verified_through_seq").asLong()));
        assertThat(verified).contains(IDLE + " " + OLD_EVENTS);
        assertThat(report.get("tenants")).allSatisfy(tenant -> assertThat(tenant.get("message").asText()).doesNotContain("not built"));
    }

    private record Cli(int exitCode, String out, String err) {}

    private static Cli cli(Map<String, String> environment, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                environment);
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * What the sequencer did before audit schema version 5: seal each partition's queue into its hash
     * chain and sign a periodic checkpoint of the head, with the checkpoint key of that time, kept
     * in {@code keyFile} for the operator's commands (its public half published in
     * audit_signing_keys, as the server did; the upgraded server runs with a key of its own, as
     * after a key rotation).
     */
    private static void sealAsBeforeTheTrees(SharedPostgres postgres, String database, DataSource runtime, Path keyFile,
            List<String> tenants) throws SQLException, IOException {
        var keys = CheckpointKeys.generate(new SecureRandom());
        Files.writeString(keyFile, CheckpointKeys.toFileText(keys));
        new CheckpointStore(runtime).registerKey(keys.getPublic());
        var signer = new CheckpointSigner(keys, InstantSource.system());
        try (var connection = postgres.superuser(database)) {
            connection.setAutoCommit(false);
            for (String tenant : tenants) {
                var eventIds = new ArrayList<UUID>();
                var canonical = new ArrayList<byte[]>();
                try (var take = connection.prepareStatement(
                        "DELETE FROM audit_pending WHERE tenant_id = ? RETURNING arrival, event_id, canonical")) {
                    take.setString(1, tenant);
                    try (var rows = take.executeQuery()) {
                        var taken = new java.util.TreeMap<Long, Object[]>();
                        while (rows.next()) {
                            taken.put(rows.getLong(1), new Object[] {rows.getObject(2, UUID.class), rows.getBytes(3)});
                        }
                        taken.values().forEach(row -> {
                            eventIds.add((UUID) row[0]);
                            canonical.add((byte[]) row[1]);
                        });
                    }
                }
                var sealed = new Chain().sealCanonical(ChainHead.genesis(tenant), canonical);
                try (var insert = connection.prepareStatement(
                        "INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?)")) {
                    for (int i = 0; i < eventIds.size(); i++) {
                        var seal = sealed.seals().get(i);
                        insert.setString(1, tenant);
                        insert.setLong(2, seal.seq());
                        insert.setObject(3, eventIds.get(i));
                        insert.setBytes(4, seal.prevHash().toBytes());
                        insert.setBytes(5, seal.hash().toBytes());
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                CheckpointStore.insert(connection, signer.sign(sealed.head(), null), CheckpointStore.Kind.PERIODIC);
            }
            connection.commit();
        }
    }

    private static long signedSize(String tenant) {
        try (var connection = server.postgres().superuser(server.database());
             var statement = connection.prepareStatement("SELECT coalesce(max(tree_size), 0) FROM audit_tree_checkpoints WHERE tenant_id = ?")) {
            statement.setString(1, tenant);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TreeHash leafHash(LogClient log, String eventId) {
        var leaf = log.get(LogClient.EVENTS + eventId + "/leaf");
        assertThat(leaf.statusCode()).as(leaf.body()).isEqualTo(200);
        return Rfc6962.leafHash(leaf.body().getBytes(StandardCharsets.UTF_8));
    }

    private static List<AuditEvent> events(String tenant, int from, int count) {
        var events = new ArrayList<AuditEvent>(count);
        for (int i = from; i < from + count; i++) {
            String requestId = "pre-tree-" + i;
            events.add(new AuditEvent(EventIds.forRequest(tenant, requestId), tenant,
                    Instant.parse("2026-01-05T10:00:00.123456Z").plusSeconds(i), requestId, "4bf92f3577b34da6a3ce929d0e0e4736",
                    new Actor("user-" + (i % 3), ActorType.USER, List.of("tenant-admin"), List.of(), List.of(), "jwt"),
                    new Operation("token:manage", "tokens", "token", null, null), Outcome.succeeded(200), null,
                    new Request("GET", "/admin/v1/tokens", "10.0.0." + (i % 250), "curl/8.5.0"), Details.empty(), Severity.INFO, null));
        }
        return events;
    }
}
