package io.timestore.server.shares;

import io.timestore.security.TenantId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The dataset_shares table (V10__dataset_shares.sql). Owner-side statements run in the owner's
 * transaction; {@link #findReadable} runs in the grantee's, where row-level security shows it the
 * shares made to it and the shared datasets' rows. Thread-safe.
 */
final class ShareStore {
    private static final String COLUMNS = "tenant_id, dataset_id, grantee, revision, scope, rationale, owner, created_at, created_by";
    private static final String INSERT = """
            INSERT INTO dataset_shares (tenant_id, dataset_id, grantee, scope, rationale, owner, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, dataset_id, grantee) DO NOTHING
            RETURNING %s""".formatted(COLUMNS);
    private static final String LIST = "SELECT " + COLUMNS + """
             FROM dataset_shares WHERE tenant_id = ? AND dataset_id = ? ORDER BY grantee
            """;
    private static final String DELETE = "DELETE FROM dataset_shares WHERE tenant_id = ? AND dataset_id = ? AND grantee = ?";
    // In the grantee's transaction: the share made to it, joined to the shared dataset's retention.
    private static final String READABLE = """
            SELECT s.tenant_id, s.dataset_id, s.grantee, s.revision, s.scope, s.rationale, s.owner, s.created_at,
                   s.created_by, d.retention_days
            FROM dataset_shares s JOIN datasets d ON d.tenant_id = s.tenant_id AND d.id = s.dataset_id
            WHERE s.tenant_id = ? AND s.dataset_id = ? AND s.grantee = ?
            """;

    // In the grantee's transaction: the shares made to it (row-level security shows no others), by owner and dataset.
    private static final String RECEIVED = "SELECT " + COLUMNS + """
             FROM dataset_shares WHERE grantee = ? AND (tenant_id, dataset_id) > (?, ?) ORDER BY tenant_id, dataset_id LIMIT ?
            """;

    /** A share seen by its grantee, with the shared dataset's retention. */
    record Readable(Share share, OptionalInt retentionDays) {}

    /** Inserts the share; empty when the dataset is already shared with the grantee. */
    Optional<Share> insert(Connection connection, TenantId tenant, String dataset, ShareService.Request request,
                           String actor) throws SQLException {
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setString(3, request.grantee().value());
            statement.setString(4, request.scope());
            statement.setString(5, request.rationale());
            statement.setString(6, request.owner());
            statement.setString(7, actor);
            try (var rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(share(rows)) : Optional.empty();
            }
        }
    }

    List<Share> list(Connection connection, TenantId tenant, String dataset) throws SQLException {
        try (var statement = connection.prepareStatement(LIST)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            var shares = new ArrayList<Share>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    shares.add(share(rows));
                }
            }
            return shares;
        }
    }

    boolean delete(Connection connection, TenantId tenant, String dataset, TenantId grantee) throws SQLException {
        try (var statement = connection.prepareStatement(DELETE)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setString(3, grantee.value());
            return statement.executeUpdate() == 1;
        }
    }

    Optional<Readable> findReadable(Connection connection, TenantId owner, String dataset, TenantId grantee)
            throws SQLException {
        try (var statement = connection.prepareStatement(READABLE)) {
            statement.setString(1, owner.value());
            statement.setString(2, dataset);
            statement.setString(3, grantee.value());
            try (var rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                int days = rows.getInt("retention_days");
                var retention = rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(days);
                return Optional.of(new Readable(share(rows), retention));
            }
        }
    }

    /** The shares made to {@code grantee} after (owner, dataset) {@code afterOwner}/{@code afterDataset}, at most {@code limit}. */
    List<Share> received(Connection connection, TenantId grantee, String afterOwner, String afterDataset, int limit) throws SQLException {
        try (var statement = connection.prepareStatement(RECEIVED)) {
            statement.setString(1, grantee.value());
            statement.setString(2, afterOwner);
            statement.setString(3, afterDataset);
            statement.setInt(4, limit);
            var shares = new ArrayList<Share>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    shares.add(share(rows));
                }
            }
            return shares;
        }
    }

    private static Share share(ResultSet rows) throws SQLException {
        return new Share(new TenantId(rows.getString("tenant_id")), rows.getString("dataset_id"),
                new TenantId(rows.getString("grantee")), rows.getLong("revision"), rows.getString("scope"),
                rows.getString("rationale"), rows.getString("owner"), rows.getTimestamp("created_at").toInstant(),
                rows.getString("created_by"));
    }
}
