package io.timestore.audit.checkpoint;

import io.timestore.audit.AuditUnavailable;
import io.timestore.audit.ChainHash;
import io.timestore.audit.canonical.Labels;
import io.timestore.audit.store.AuditSchema;
import io.timestore.audit.store.PlatformPath;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Checkpoints and the public halves of the signing keys, as stored in {@code audit_checkpoints} and
 * {@code audit_signing_keys} (see {@link AuditSchema}). Reads take the platform path, because a
 * verifier may look at any partition; writes are the sequencer's (periodic checkpoints) and the
 * retention purge's (purge anchors). Thread-safe: every call uses its own connection.
 */
public final class CheckpointStore {
    private static final String SELECT_TENANT = """
            SELECT tenant_id, seq, hash, signed_at, key_id, signature, kind FROM audit_checkpoints
            WHERE tenant_id = ? ORDER BY seq, signed_at
            """;
    private static final String SELECT_LATEST = """
            SELECT tenant_id, seq, hash, signed_at, key_id, signature, kind FROM audit_checkpoints
            WHERE tenant_id = ? AND kind = ? ORDER BY seq DESC LIMIT 1
            """;
    private static final String INSERT = """
            INSERT INTO audit_checkpoints (tenant_id, seq, hash, signed_at, key_id, signature, kind)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """;
    private static final String SELECT_KEYS = "SELECT key_id, public_key FROM audit_signing_keys ORDER BY key_id";
    private static final String INSERT_KEY = """
            INSERT INTO audit_signing_keys (key_id, algorithm, public_key) VALUES (?, 'Ed25519', ?)
            ON CONFLICT (key_id) DO NOTHING
            """;

    /** Why a checkpoint was signed; stored lower case in {@code audit_checkpoints.kind}. */
    public enum Kind {
        /** Signed by the sequencer every N events or T seconds. */
        PERIODIC,
        /** Signed by the retention purge at the boundary: the first retained event continues it. */
        PURGE_ANCHOR;

        public String label() {
            return Labels.of(this);
        }

        static Kind fromLabel(String label) {
            return Labels.parse(Kind.class, label, "audit_checkpoints.kind");
        }
    }

    /** A checkpoint and why it was signed. */
    public record Stored(Checkpoint checkpoint, Kind kind) {
        public Stored {
            Objects.requireNonNull(checkpoint, "checkpoint");
            Objects.requireNonNull(kind, "kind");
        }
    }

    private final DataSource dataSource;

    public CheckpointStore(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** Every checkpoint of {@code tenantId}, ordered by seq (both kinds). */
    public List<Stored> checkpoints(String tenantId) {
        try (var connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            PlatformPath.enter(connection);
            var checkpoints = checkpoints(connection, tenantId);
            connection.commit();
            return checkpoints;
        } catch (SQLException e) {
            throw new AuditUnavailable("cannot read checkpoints (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /** The public keys that signed checkpoints, by key id. */
    public Map<String, PublicKey> publicKeys() {
        try (var connection = dataSource.getConnection()) {
            return publicKeys(connection);
        } catch (SQLException e) {
            throw new AuditUnavailable("cannot read signing keys (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /** Publishes the public half of a signing key (a no-op when already there). */
    public void registerKey(PublicKey key) {
        try (var connection = dataSource.getConnection()) {
            registerKey(connection, key);
        } catch (SQLException e) {
            throw new AuditUnavailable("cannot store the signing key (SQLState " + e.getSQLState() + ")", e);
        }
    }

    /**
     * Stores a checkpoint in the caller's transaction, which must be on the platform path or bound
     * to the checkpoint's tenant (the retention purge stores its anchor this way).
     */
    public static void insert(Connection connection, Checkpoint checkpoint, Kind kind) throws SQLException {
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, checkpoint.tenantId());
            statement.setLong(2, checkpoint.seq());
            statement.setBytes(3, checkpoint.hash().toBytes());
            statement.setTimestamp(4, Timestamp.from(checkpoint.signedAt()));
            statement.setString(5, checkpoint.keyId());
            statement.setString(6, checkpoint.signature());
            statement.setString(7, kind.label());
            statement.executeUpdate();
        }
    }

    static List<Stored> checkpoints(Connection connection, String tenantId) throws SQLException {
        try (var statement = connection.prepareStatement(SELECT_TENANT)) {
            statement.setString(1, tenantId);
            try (var rows = statement.executeQuery()) {
                List<Stored> checkpoints = new ArrayList<>();
                while (rows.next()) {
                    checkpoints.add(read(rows));
                }
                return checkpoints;
            }
        }
    }

    /** The newest checkpoint of {@code kind} for {@code tenantId}, in the caller's transaction on the platform path. */
    public static Optional<Checkpoint> latest(Connection connection, String tenantId, Kind kind) throws SQLException {
        try (var statement = connection.prepareStatement(SELECT_LATEST)) {
            statement.setString(1, tenantId);
            statement.setString(2, kind.label());
            try (var rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(read(rows).checkpoint()) : Optional.empty();
            }
        }
    }

    /** Every published checkpoint key by key id, read in the caller's transaction on the platform path. */
    public static Map<String, PublicKey> publicKeys(Connection connection) throws SQLException {
        try (var statement = connection.prepareStatement(SELECT_KEYS);
             var rows = statement.executeQuery()) {
            Map<String, PublicKey> keys = new LinkedHashMap<>();
            while (rows.next()) {
                PublicKey key = CheckpointKeys.decodePublic(rows.getString(2));
                // A row whose id does not match its key is not trusted: the id is what checkpoints name.
                if (CheckpointKeys.keyId(key).equals(rows.getString(1))) {
                    keys.put(rows.getString(1), key);
                }
            }
            return keys;
        }
    }

    /** Publishes {@code key} in {@code audit_signing_keys} (idempotent), on the caller's connection. */
    public static void registerKey(Connection connection, PublicKey key) throws SQLException {
        try (var statement = connection.prepareStatement(INSERT_KEY)) {
            statement.setString(1, CheckpointKeys.keyId(key));
            statement.setString(2, CheckpointKeys.encodePublic(key));
            statement.executeUpdate();
        }
    }

    private static Stored read(java.sql.ResultSet rows) throws SQLException {
        var checkpoint = new Checkpoint(rows.getString(1), rows.getLong(2), ChainHash.of(rows.getBytes(3)),
                rows.getTimestamp(4).toInstant(), rows.getString(5), rows.getString(6));
        return new Stored(checkpoint, Kind.fromLabel(rows.getString(7)));
    }
}
