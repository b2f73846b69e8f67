package io.timestore.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.audit.tlog.Note;
import io.timestore.audit.tlog.NoteSigner;
import io.timestore.audit.tlog.Rfc6962;
import io.timestore.audit.tlog.TreeCheckpoint;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.List;

/**
 * Tampering with a partition's stored Merkle tree and its signed checkpoints as someone with the
 * database's superuser would (issue #18, "Done when"), shared by the verify route's tests and the
 * {@code audit verify} command's: each way of tampering and what the verifier must report for it.
 */
public final class LogTampering {
    private final TimestoreServer server;

    public LogTampering(TimestoreServer server) {
        this.server = server;
    }

    /** Replaces leaf {@code index} of {@code tenant}'s tree; the verifier reports {@code tree_leaf_mismatch} at seq {@code index + 1}. */
    public void forgeLeaf(String tenant, long index) throws SQLException {
        forgeNode(tenant, 0, index);
    }

    /**
     * Replaces the stored node {@code (level, index)} of {@code tenant}'s tree: in the seal that
     * carries it (seq {@code (index + 1) << level}, bytes {@code 32 * level} on), or its row.
     */
    public void forgeNode(String tenant, int level, long index) throws SQLException {
        int changed = inSealOrRow(tenant, level, index,
                "UPDATE audit_seals SET tree_hashes = overlay(tree_hashes PLACING sha256('forged') FROM 32 * node.level + 1 FOR 32)",
                "UPDATE audit_tree_nodes SET hash = sha256('forged')");
        assertThat(changed).as("the node (%d, %d) of %s is stored", level, index, tenant).isEqualTo(1);
    }

    /**
     * Deletes the stored node {@code (level, index)} of {@code tenant}'s tree. In a seal, that cuts
     * its tree hashes before the node, so the nodes its leaf completed above it go too.
     */
    public void deleteNode(String tenant, int level, long index) throws SQLException {
        int changed = inSealOrRow(tenant, level, index,
                "UPDATE audit_seals SET tree_hashes = CASE WHEN node.level = 0 THEN NULL ELSE substring(tree_hashes FROM 1 FOR 32 * node.level) END",
                "DELETE FROM audit_tree_nodes");
        assertThat(changed).as("the node (%d, %d) of %s is stored", level, index, tenant).isEqualTo(1);
    }

    /** Deletes every stored node of {@code tenant}'s tree, leaving its signed checkpoints. */
    public void deleteTree(String tenant) throws SQLException {
        try (var superuser = superuser();
             var seals = superuser.prepareStatement("UPDATE audit_seals SET tree_hashes = NULL WHERE tenant_id = ? AND tree_hashes IS NOT NULL");
             var rows = superuser.prepareStatement("DELETE FROM audit_tree_nodes WHERE tenant_id = ?")) {
            seals.setString(1, tenant);
            rows.setString(1, tenant);
            assertThat(seals.executeUpdate() + rows.executeUpdate()).as("%s has a tree", tenant).isPositive();
        }
    }

    /**
     * Runs {@code sealChange} (an UPDATE of {@code audit_seals} that reads the node's level as
     * {@code node.level}) on the seal that carries the node, or {@code rowChange} on its row when no
     * seal carries it; returns the number of nodes changed.
     */
    private int inSealOrRow(String tenant, int level, long index, String sealChange, String rowChange) throws SQLException {
        try (var superuser = superuser();
             var seal = superuser.prepareStatement(sealChange
                     + " FROM (SELECT ?::int AS level) node WHERE tenant_id = ? AND seq = ? AND octet_length(tree_hashes) > 32 * node.level");
             var row = superuser.prepareStatement(rowChange + " WHERE tenant_id = ? AND level = ? AND idx = ?")) {
            seal.setInt(1, level);
            seal.setString(2, tenant);
            seal.setLong(3, (index + 1) << level);
            int changed = seal.executeUpdate();
            if (changed == 0) {
                row.setString(1, tenant);
                row.setInt(2, level);
                row.setLong(3, index);
                changed = row.executeUpdate();
            }
            return changed;
        }
    }

    /**
     * Replaces {@code tenant}'s latest signed tree checkpoint by one of the same origin and size over
     * another root, signed with a key of the forger's own; returns the genuine checkpoint.
     */
    public Forged forgeLatestCheckpoint(String tenant) throws SQLException {
        try (var superuser = superuser()) {
            TreeCheckpoint genuine;
            try (var select = superuser.prepareStatement(
                    "SELECT note FROM audit_tree_checkpoints WHERE tenant_id = ? ORDER BY tree_size DESC LIMIT 1")) {
                select.setString(1, tenant);
                try (var rows = select.executeQuery()) {
                    assertThat(rows.next()).as("%s has a signed tree checkpoint", tenant).isTrue();
                    genuine = TreeCheckpoint.parse(Note.parse(rows.getString(1).getBytes(StandardCharsets.UTF_8)).text());
                }
            }
            var forger = NoteSigner.generate(genuine.origin(), new SecureRandom());
            var forged = new TreeCheckpoint(genuine.origin(), genuine.size(), Rfc6962.leafHash(new byte[] {1})).sign(List.of(forger));
            try (var update = superuser.prepareStatement(
                    "UPDATE audit_tree_checkpoints SET note = ?, root_hash = sha256('x') WHERE tenant_id = ? AND tree_size = ?")) {
                update.setString(1, forged.toString());
                update.setString(2, tenant);
                update.setLong(3, genuine.size());
                assertThat(update.executeUpdate()).isEqualTo(1);
            }
            return new Forged(genuine, forged);
        }
    }

    /** The checkpoint that was signed and the note that replaced it. */
    public record Forged(TreeCheckpoint genuine, Note note) {}

    /**
     * Asserts that a verification report (the verify route's body or {@code audit verify}'s output)
     * fails its one partition for {@code reason}, naming {@code firstBadSeq} and a message.
     */
    public static void assertReportFails(JsonNode report, String reason, long firstBadSeq) {
        assertThat(report.get("ok").asBoolean()).as(report.toString()).isFalse();
        var tenant = report.get("tenants").get(0);
        assertThat(tenant.get("reason").asText()).as(report.toString()).isEqualTo(reason);
        assertThat(tenant.get("first_bad_seq").asLong()).as(report.toString()).isEqualTo(firstBadSeq);
        assertThat(tenant.get("message").asText()).as(report.toString()).isNotBlank();
    }

    /** A superuser session that skips the append-only triggers (as an attacker with that role can). */
    private java.sql.Connection superuser() throws SQLException {
        var connection = server.postgres().superuser(server.database());
        try (var statement = connection.createStatement()) {
            statement.execute("SET session_replication_role = replica");
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }
}
