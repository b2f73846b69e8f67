package io.timestore.server.retention;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.tlog.NoteVerifierKey;
import io.timestore.audit.tlog.NoteVerifiers;
import io.timestore.audit.tlog.ProofJson;
import io.timestore.audit.tlog.ProofVerifier;
import io.timestore.audit.tlog.TreeCheckpoint;
import io.timestore.audit.tlog.TreeHash;
import io.timestore.server.testing.TimestoreServer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.threeten.extra.MutableClock;

/**
 * Retention purges events but never the Merkle tree's nodes: after a purge, the tree still verifies,
 * proofs for the remaining events verify, a purged event's leaf is still proven in place, and the
 * checkpoint signed before the purge is consistent with the one signed after it.
 */
class LogAcrossRetentionTest {
    private static final MutableClock clock = MutableClock.of(Instant.now(), ZoneOffset.UTC);

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withClock(clock)
            .with(s -> s.withAudit(s.audit().withCheckpoints(1, Duration.ofHours(1))));

    private static String[] auditor() {
        return bearer(server.tokens().user("acme", "auditor"));
    }

    private static void events(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            server.api().get("/admin/v1/tokens", bearer(server.tokens().user("acme", "tenant-admin")));
        }
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
    }

    private static TreeCheckpoint checkpoint(NoteVerifierKey key) {
        var note = server.api().get("/api/audit/v1alpha1/log/checkpoint", auditor());
        assertThat(note.statusCode()).as(note.body()).isEqualTo(200);
        return TreeCheckpoint.open(note.body(), NoteVerifiers.of(key), key.name());
    }

    @Test
    void proofs_and_consistency_across_a_purge_still_verify() throws Exception {
        server.tenant("acme");
        try (var superuser = server.postgres().superuser(server.database())) {
            superuser.createStatement().execute("UPDATE tenants SET audit_retention_days = 1 WHERE id = 'acme'");
        }
        events(10);
        var key = NoteVerifierKey.parse(server.api().get("/api/audit/v1alpha1/log/keys", auditor()).json().get("current").asText());
        var beforePurge = checkpoint(key);
        clock.add(Duration.ofDays(2));
        events(3);

        var purged = server.timestore().retention().run(false, "acme").orElseThrow();
        events(1);
        var afterPurge = checkpoint(key);
        var consistency = server.api().get("/api/audit/v1alpha1/log/consistency?size1=" + beforePurge.size() + "&size2=" + afterPurge.size(),
                auditor());
        var purgedLeaf = server.api().get("/api/audit/v1alpha1/log/inclusion?seq=1&tree_size=" + afterPurge.size(), auditor());
        var remaining = server.api().get("/api/audit/v1alpha1/log/inclusion?seq=" + afterPurge.size() + "&tree_size=" + afterPurge.size(),
                auditor()).json().get("event_id").asText();
        var receipt = server.api().get("/api/audit/v1alpha1/events/" + remaining + "/receipt", auditor());
        var verify = server.api().get("/api/audit/v1alpha1/verify", auditor());

        assertThat(purged).singleElement().satisfies(p -> assertThat(p.events()).isGreaterThanOrEqualTo(10));
        assertThat(consistency.statusCode()).as(consistency.body()).isEqualTo(200);
        new ProofJson().readConsistency(consistency.body()).verify(beforePurge.rootHash(), afterPurge.rootHash());
        assertThat(purgedLeaf.statusCode()).as(purgedLeaf.body()).isEqualTo(200);
        assertThat(purgedLeaf.json().get("event_id").isNull()).as("the event at seq 1 was purged, its leaf kept").isTrue();
        var proof = new ArrayList<TreeHash>();
        purgedLeaf.json().get("proof").forEach(h -> proof.add(TreeHash.fromBase64(h.asText())));
        ProofVerifier.verifyInclusion(0, afterPurge.size(), TreeHash.fromBase64(purgedLeaf.json().get("leaf_hash").asText()), proof,
                afterPurge.rootHash());
        assertThat(receipt.statusCode()).as(receipt.body()).isEqualTo(200);
        new ProofJson().readReceipt(receipt.body()).verify(NoteVerifiers.of(key), key.name());
        assertThat(verify.json().get("ok").asBoolean()).as(verify.body()).isTrue();
        assertThat(verify.json().at("/tenants/0/anchored_at_seq").asLong()).isPositive();
    }
}
