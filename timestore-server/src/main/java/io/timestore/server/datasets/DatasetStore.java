package io.timestore.server.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.security.TenantId;
import io.timestore.server.compaction.PointLocks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The datasets table. Every method runs inside the caller's tenant transaction; tenant_id is
 * repeated in each statement although RLS filters on it, so the (tenant_id, id) key serves the
 * lookup and the statement stays correct if a policy were ever dropped. Thread-safe.
 */
public final class DatasetStore {
    private static final String COLUMNS = """
            tenant_id, id, description, labels, access, retention_days, revision, created_at, created_by, updated_at, updated_by
            """;
    private static final String INSERT = """
            INSERT INTO datasets (tenant_id, id, description, labels, access, retention_days, created_by, updated_by)
            VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?)
            ON CONFLICT (tenant_id, id) DO NOTHING
            RETURNING %s""".formatted(COLUMNS);
    /** A dataset by (tenant, id); {@link #found} reads its rows. */
    static final String FIND = "SELECT " + COLUMNS + " FROM datasets WHERE tenant_id = ? AND id = ?";
    private static final String FIND_FOR_UPDATE = FIND + " FOR UPDATE";
    // SHARE: a change to the row (its access block) or its deletion waits until the transaction ends.
    private static final String FIND_FOR_SHARE = FIND + " FOR SHARE";
    // KEY SHARE: concurrent writers do not block each other, but a DELETE waits for them, so no
    // point lands in a dataset that is being deleted (a PATCH, which locks the row FOR UPDATE
    // to check the revision, waits for them too: for the milliseconds a write runs).
    // The row's incarnation too (DatasetIncarnation): what the write path's caches are keyed by.
    static final String HOLD = """
            SELECT (extract(epoch FROM created_at) * 1000000)::bigint, xmin::text::bigint,
                   (extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint
            FROM datasets WHERE tenant_id = ? AND id = ? FOR KEY SHARE""";
    private static final String PAGE = "SELECT " + COLUMNS + """
             FROM datasets WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?
            """;
    private static final String UPDATE = """
            UPDATE datasets
            SET description = ?, labels = ?::jsonb, access = ?::jsonb, retention_days = ?,
                revision = revision + 1, updated_at = now(), updated_by = ?
            WHERE tenant_id = ? AND id = ? AND revision = ?
            RETURNING %s""".formatted(COLUMNS);
    // The points stored hot (the `points` view, V38) and in chunks are counted, as a points delete
    // counts them, and the hot rows deleted (the batch rows, and the row-per-point rows written
    // before V38); series, their chunks, measurement_fields and refresh_runs go with the dataset
    // (ON DELETE CASCADE).
    private static final String DELETE_POINTS = """
            WITH hot_rows AS (DELETE FROM point_rows WHERE tenant_id = ? AND dataset_id = ?),
                 batches AS (DELETE FROM point_batches WHERE tenant_id = ? AND dataset_id = ?)
            SELECT (SELECT count(*) FROM points WHERE tenant_id = ? AND dataset_id = ?)
                 + (SELECT coalesce(sum(point_count), 0) FROM point_chunks WHERE tenant_id = ? AND dataset_id = ?)
            """;
    private static final String DELETE = "DELETE FROM datasets WHERE tenant_id = ? AND id = ?";

    /** The settable metadata of a dataset. */
    public record Metadata(Optional<String> description, Map<String, String> labels,
                           io.timestore.security.authz.DatasetAccess access, OptionalInt retentionDays) {
        public Metadata {
            labels = Map.copyOf(labels);
        }
    }

    private final ObjectMapper json;

    public DatasetStore(ObjectMapper json) {
        this.json = json;
    }

    /** Inserts a new dataset at revision 1; empty when the tenant already has one with this id. */
    Optional<Dataset> insert(Connection connection, TenantId tenant, String id, Metadata metadata, String actor)
            throws SQLException {
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            bindMetadata(statement, 3, metadata);
            statement.setString(7, actor);
            statement.setString(8, actor);
            return single(statement);
        }
    }

    Optional<Dataset> find(Connection connection, TenantId tenant, String id) throws SQLException {
        return select(connection, FIND, tenant, id);
    }

    Optional<Dataset> findForUpdate(Connection connection, TenantId tenant, String id) throws SQLException {
        return select(connection, FIND_FOR_UPDATE, tenant, id);
    }

    Optional<Dataset> findForShare(Connection connection, TenantId tenant, String id) throws SQLException {
        return select(connection, FIND_FOR_SHARE, tenant, id);
    }

    /** Locks the dataset against deletion until the transaction ends; its incarnation, empty when it does not exist. */
    Optional<DatasetIncarnation> hold(Connection connection, TenantId tenant, String id) throws SQLException {
        try (var statement = connection.prepareStatement(HOLD)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            try (var rows = statement.executeQuery()) {
                return held(rows);
            }
        }
    }

    /** The incarnation in the rows of {@link #HOLD}, empty when it found none. */
    Optional<DatasetIncarnation> held(ResultSet rows) throws SQLException {
        return rows.next() ? Optional.of(new DatasetIncarnation(rows.getLong(1), rows.getLong(2), rows.getLong(3))) : Optional.empty();
    }

    List<Dataset> page(Connection connection, TenantId tenant, String afterId, int limit) throws SQLException {
        try (var statement = connection.prepareStatement(PAGE)) {
            statement.setString(1, tenant.value());
            statement.setString(2, afterId);
            statement.setInt(3, limit);
            var page = new ArrayList<Dataset>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    page.add(dataset(rows));
                }
            }
            return page;
        }
    }

    /** Writes {@code metadata} if the dataset is still at {@code revision}; empty otherwise. */
    Optional<Dataset> update(Connection connection, Dataset current, Metadata metadata, String actor) throws SQLException {
        try (var statement = connection.prepareStatement(UPDATE)) {
            bindMetadata(statement, 1, metadata);
            statement.setString(5, actor);
            statement.setString(6, current.tenant().value());
            statement.setString(7, current.id());
            statement.setLong(8, current.revision());
            return single(statement);
        }
    }

    /**
     * Deletes the dataset and everything in it; the number of points deleted. The caller's
     * transaction holds the dataset's chunk lock ({@link PointLocks#lockChunks}), taken before the
     * dataset's row, as everything else that removes its points does: a compaction transaction
     * holds the rows of its groups, and taking the dataset's rows beside it could deadlock.
     */
    long delete(Connection connection, TenantId tenant, String id) throws SQLException {
        long points;
        try (var statement = connection.prepareStatement(DELETE_POINTS)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            statement.setString(3, tenant.value());
            statement.setString(4, id);
            statement.setString(5, tenant.value());
            statement.setString(6, id);
            statement.setString(7, tenant.value());
            statement.setString(8, id);
            try (var rows = statement.executeQuery()) {
                rows.next();
                points = rows.getLong(1);
            }
        }
        try (var statement = connection.prepareStatement(DELETE)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            statement.executeUpdate();
        }
        return points;
    }

    private Optional<Dataset> select(Connection connection, String sql, TenantId tenant, String id) throws SQLException {
        try (var statement = connection.prepareStatement(sql)) {
            statement.setString(1, tenant.value());
            statement.setString(2, id);
            return single(statement);
        }
    }

    private Optional<Dataset> single(PreparedStatement statement) throws SQLException {
        try (var rows = statement.executeQuery()) {
            return found(rows);
        }
    }

    /** The dataset of the rows of {@link #FIND}, sent by the caller; empty when there is none. */
    Optional<Dataset> found(ResultSet rows) throws SQLException {
        return rows.next() ? Optional.of(dataset(rows)) : Optional.empty();
    }

    private void bindMetadata(PreparedStatement statement, int first, Metadata metadata) throws SQLException {
        statement.setString(first, metadata.description().orElse(null));
        statement.setString(first + 1, write(metadata.labels()));
        statement.setString(first + 2, AccessJson.toJson(metadata.access()).toString());
        if (metadata.retentionDays().isPresent()) {
            statement.setInt(first + 3, metadata.retentionDays().getAsInt());
        } else {
            statement.setNull(first + 3, Types.INTEGER);
        }
    }

    private Dataset dataset(ResultSet rows) throws SQLException {
        int days = rows.getInt("retention_days");
        var retention = rows.wasNull() ? OptionalInt.empty() : OptionalInt.of(days);
        return new Dataset(new TenantId(rows.getString("tenant_id")), rows.getString("id"),
                Optional.ofNullable(rows.getString("description")), labels(rows.getString("labels")),
                AccessJson.fromStored(read(rows.getString("access"))),
                retention, rows.getLong("revision"),
                rows.getTimestamp("created_at").toInstant(), rows.getString("created_by"),
                rows.getTimestamp("updated_at").toInstant(), rows.getString("updated_by"));
    }

    private Map<String, String> labels(String stored) {
        var labels = new LinkedHashMap<String, String>();
        read(stored).properties().forEach(entry -> labels.put(entry.getKey(), entry.getValue().asText()));
        return labels;
    }

    private com.fasterxml.jackson.databind.JsonNode read(String stored) {
        try {
            return json.readTree(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored dataset metadata is not valid JSON", e);
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("dataset labels must serialise", e);
        }
    }
}
