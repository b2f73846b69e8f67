package io.timestore.audit.tlog;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The signed tree checkpoints of {@code audit_tree_checkpoints} (audit schema version 5), in the
 * caller's transaction, which is bound to the partition ({@code app.tenant_id}) or on the platform
 * path, so row-level security applies. The note is stored exactly as signed and served as stored.
 */
public final class PostgresTreeCheckpoints {
    private static final String COLUMNS = "SELECT tree_size, root_hash, note FROM audit_tree_checkpoints WHERE tenant_id = ? ";
    /** The latest checkpoint of the partition given as its one parameter; its rows are read by {@link #firstOf}. */
    public static final String LATEST = COLUMNS + "ORDER BY tree_size DESC LIMIT 1";
    private static final String INSERT =
            "INSERT INTO audit_tree_checkpoints (tenant_id, tree_size, root_hash, note) VALUES (?, ?, ?, ?)";

    private PostgresTreeCheckpoints() {}

    /**
     * A stored checkpoint: the columns and the note they were taken from.
     *
     * @param note the signed note, as signed
     */
    public record Stored(long treeSize, TreeHash rootHash, String note) {
        public Stored {
            Objects.requireNonNull(rootHash, "rootHash");
            Objects.requireNonNull(note, "note");
        }
    }

    /** Stores the signed checkpoint {@code note} of {@code checkpoint} for {@code tenantId}. */
    public static void insert(Connection transaction, String tenantId, TreeCheckpoint checkpoint, Note note) throws SQLException {
        if (!note.text().equals(checkpoint.text())) {
            throw new IllegalArgumentException("the note does not sign this checkpoint");
        }
        try (var statement = transaction.prepareStatement(INSERT)) {
            statement.setString(1, tenantId);
            statement.setLong(2, checkpoint.size());
            statement.setBytes(3, checkpoint.rootHash().toBytes());
            statement.setString(4, note.toString());
            statement.executeUpdate();
        }
    }

    /** The checkpoint of the largest tree signed for {@code tenantId}, if any. */
    public static Optional<Stored> latest(Connection transaction, String tenantId) throws SQLException {
        return first(transaction, LATEST, tenantId, -1);
    }

    /** The checkpoint of exactly {@code treeSize} leaves, if one was signed. */
    public static Optional<Stored> ofSize(Connection transaction, String tenantId, long treeSize) throws SQLException {
        return first(transaction, COLUMNS + "AND tree_size = ?", tenantId, treeSize);
    }

    /** Every checkpoint of {@code tenantId}, smallest tree first. */
    public static List<Stored> all(Connection transaction, String tenantId) throws SQLException {
        try (var statement = transaction.prepareStatement(COLUMNS + "ORDER BY tree_size")) {
            statement.setString(1, tenantId);
            try (var rows = statement.executeQuery()) {
                List<Stored> all = new ArrayList<>();
                while (rows.next()) {
                    all.add(read(rows));
                }
                return all;
            }
        }
    }

    private static Optional<Stored> first(Connection transaction, String sql, String tenantId, long treeSize) throws SQLException {
        try (var statement = transaction.prepareStatement(sql)) {
            statement.setString(1, tenantId);
            if (treeSize >= 0) {
                statement.setLong(2, treeSize);
            }
            try (var rows = statement.executeQuery()) {
                return firstOf(rows);
            }
        }
    }

    /** The checkpoint in the first of {@code rows} (of a statement selecting as {@link #LATEST} does), if any. */
    public static Optional<Stored> firstOf(ResultSet rows) throws SQLException {
        return rows.next() ? Optional.of(read(rows)) : Optional.empty();
    }

    private static Stored read(ResultSet rows) throws SQLException {
        return columns(rows, 1);
    }

    /**
     * The checkpoint in the current row of {@code rows}, whose columns from {@code first} on are
     * those {@link #LATEST} selects, in its order; the caller has checked they are not null.
     */
    public static Stored columns(ResultSet rows, int first) throws SQLException {
        // The table's CHECK keeps root_hash at 32 bytes; whoever trusts a row checks its note.
        return new Stored(rows.getLong(first), TreeHash.of(rows.getBytes(first + 1)), rows.getString(first + 2));
    }
}
