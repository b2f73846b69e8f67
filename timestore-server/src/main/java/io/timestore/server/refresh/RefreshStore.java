package io.timestore.server.refresh;

import io.timestore.security.TenantId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** The refresh_runs table (V7__refresh.sql), inside the caller's tenant transaction. */
final class RefreshStore {
    private static final String COLUMNS = """
            run_id, seq, state, watermark_ns, details::text, created_at, created_by, updated_at, updated_by
            """;
    private static final String FIND_FOR_UPDATE = "SELECT " + COLUMNS
            + " FROM refresh_runs WHERE tenant_id = ? AND dataset_id = ? AND run_id = ? FOR UPDATE";
    private static final String INSERT = """
            INSERT INTO refresh_runs (tenant_id, dataset_id, run_id, state, watermark_ns, details, created_at,
                                      created_by, updated_at, updated_by)
            VALUES (?, ?, ?, ?, ?, ?::jsonb, clock_timestamp(), ?, clock_timestamp(), ?)
            ON CONFLICT (tenant_id, dataset_id, run_id) DO NOTHING
            RETURNING %s""".formatted(COLUMNS);
    private static final String UPDATE = """
            UPDATE refresh_runs SET state = ?, watermark_ns = ?, details = ?::jsonb, updated_at = clock_timestamp(), updated_by = ?
            WHERE tenant_id = ? AND dataset_id = ? AND run_id = ?
            RETURNING %s""".formatted(COLUMNS);
    private static final String LATEST = "SELECT " + COLUMNS + """
             FROM refresh_runs WHERE tenant_id = ? AND dataset_id = ? ORDER BY updated_at DESC, seq DESC LIMIT 1
            """;
    private static final String WATERMARK = """
            SELECT max(watermark_ns) FROM refresh_runs WHERE tenant_id = ? AND dataset_id = ? AND state = 'succeeded'
            """;
    private static final String PAGE = "SELECT " + COLUMNS + """
             FROM refresh_runs WHERE tenant_id = ? AND dataset_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?
            """;

    /** What a report sets. */
    record Report(String runId, RefreshState state, OptionalLong watermark, String detailsJson) {}

    Optional<RefreshRun> findForUpdate(Connection connection, TenantId tenant, String dataset, String runId)
            throws SQLException {
        try (var statement = connection.prepareStatement(FIND_FOR_UPDATE)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setString(3, runId);
            return single(statement);
        }
    }

    /** Empty when a concurrent report created the run first. */
    Optional<RefreshRun> insert(Connection connection, TenantId tenant, String dataset, Report report, String actor)
            throws SQLException {
        try (var statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setString(3, report.runId());
            statement.setString(4, report.state().label());
            setWatermark(statement, 5, report.watermark());
            statement.setString(6, report.detailsJson());
            statement.setString(7, actor);
            statement.setString(8, actor);
            return single(statement);
        }
    }

    RefreshRun update(Connection connection, TenantId tenant, String dataset, Report report, String actor)
            throws SQLException {
        try (var statement = connection.prepareStatement(UPDATE)) {
            statement.setString(1, report.state().label());
            setWatermark(statement, 2, report.watermark());
            statement.setString(3, report.detailsJson());
            statement.setString(4, actor);
            statement.setString(5, tenant.value());
            statement.setString(6, dataset);
            statement.setString(7, report.runId());
            return single(statement).orElseThrow(() -> new IllegalStateException("locked refresh run vanished"));
        }
    }

    Optional<RefreshRun> latest(Connection connection, TenantId tenant, String dataset) throws SQLException {
        try (var statement = connection.prepareStatement(LATEST)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            return single(statement);
        }
    }

    /** The highest watermark of a succeeded run: data is complete up to it. */
    OptionalLong watermark(Connection connection, TenantId tenant, String dataset) throws SQLException {
        try (var statement = connection.prepareStatement(WATERMARK)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            try (var rows = statement.executeQuery()) {
                rows.next();
                long value = rows.getLong(1);
                return rows.wasNull() ? OptionalLong.empty() : OptionalLong.of(value);
            }
        }
    }

    List<RefreshRun> page(Connection connection, TenantId tenant, String dataset, long beforeSeq, int limit)
            throws SQLException {
        try (var statement = connection.prepareStatement(PAGE)) {
            statement.setString(1, tenant.value());
            statement.setString(2, dataset);
            statement.setLong(3, beforeSeq);
            statement.setInt(4, limit);
            var runs = new ArrayList<RefreshRun>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    runs.add(run(rows));
                }
            }
            return runs;
        }
    }

    private static void setWatermark(PreparedStatement statement, int index, OptionalLong watermark) throws SQLException {
        if (watermark.isPresent()) {
            statement.setLong(index, watermark.getAsLong());
        } else {
            statement.setNull(index, Types.BIGINT);
        }
    }

    private static Optional<RefreshRun> single(PreparedStatement statement) throws SQLException {
        try (var rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(run(rows)) : Optional.empty();
        }
    }

    private static RefreshRun run(ResultSet rows) throws SQLException {
        long watermark = rows.getLong("watermark_ns");
        var optionalWatermark = rows.wasNull() ? OptionalLong.empty() : OptionalLong.of(watermark);
        return new RefreshRun(rows.getString("run_id"), rows.getLong("seq"),
                RefreshState.find(rows.getString("state")).orElseThrow(), optionalWatermark, rows.getString("details"),
                rows.getTimestamp("created_at").toInstant(), rows.getString("created_by"),
                rows.getTimestamp("updated_at").toInstant(), rows.getString("updated_by"));
    }
}
