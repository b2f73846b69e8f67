package io.timestore.server.retention;

import io.timestore.audit.cluster.Leadership;
import io.timestore.security.TenantId;
import io.timestore.server.compaction.BatchRows;
import io.timestore.server.compaction.PointLocks;
import io.timestore.server.config.PointsSettings;
import io.timestore.server.db.Transactions;
import io.timestore.server.problems.Busy;
import io.timestore.server.problems.ProblemType;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes points older than their dataset's {@code retention_days} (hot rows of both kinds, and
 * chunks whose last point is older), in bounded batches, one
 * transaction per batch in the owning tenant (row-level security stays in force), each holding the
 * dataset's chunk lock ({@link PointLocks#lockChunks}) so that it neither races a compaction
 * group's rows nor deadlocks with a compaction transaction that holds several. Queries
 * already hide such points; this reclaims the space. One instance runs at a time across servers:
 * a run holds a PostgreSQL session advisory lock ({@link Leadership#runExclusively}) and skips
 * when another holds it.
 */
public final class PointsRetention implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PointsRetention.class);
    // "points-retention" as a 64-bit advisory lock key; distinct from the audit jobs' keys.
    private static final long LOCK_KEY = 0x7074735F72657431L;
    private static final String TENANTS = "SELECT id FROM tenants ORDER BY id";
    private static final String RETAINED = """
            SELECT id, retention_days FROM datasets WHERE tenant_id = ? AND retention_days IS NOT NULL ORDER BY id
            """;
    private static final String DELETE_BATCH = """
            DELETE FROM point_rows WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM point_rows WHERE tenant_id = ? AND dataset_id = ? AND ts_ns < ? LIMIT ?))
            """;
    // Chunks (V37) go whole, once their last point is past the cut: a chunk that straddles the cut
    // stays until it has wholly expired (at most an hour: chunks never cross an hour boundary);
    // queries hide its expired points meanwhile. One row per batch counts its points.
    private static final String DELETE_CHUNKS = """
            WITH gone AS (
                DELETE FROM point_chunks WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM point_chunks WHERE tenant_id = ? AND dataset_id = ? AND max_ts < ? LIMIT ?))
                RETURNING point_count)
            SELECT count(*), coalesce(sum(point_count), 0) FROM gone
            """;
    private static final long NANOS_PER_DAY = 86_400_000_000_000L;

    private record Retained(String dataset, int days) {}

    private final Leadership runner;
    private final Transactions transactions;
    private final PointsSettings settings;
    private final InstantSource clock;
    private final ScheduledExecutorService scheduler;

    public PointsRetention(DataSource dataSource, Transactions transactions, PointsSettings settings, InstantSource clock) {
        this.runner = new Leadership(Objects.requireNonNull(dataSource, "dataSource"), LOCK_KEY);
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("points-retention").factory());
    }

    /** Schedules a run every {@link PointsSettings#retentionInterval()}, the first after one interval. */
    public PointsRetention start() {
        long every = settings.retentionInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::runLogged, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * One run now, on the calling thread: the number of points deleted, or -1 when another
     * instance holds the lock.
     */
    public long runOnce() {
        try {
            return runner.runExclusively(this::purgeAll).orElse(-1L);
        } catch (SQLException e) {
            throw new io.timestore.server.db.DatabaseFailure(e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    private void runLogged() {
        try {
            long deleted = runOnce();
            if (deleted > 0) {
                log.atInfo().addKeyValue("points_deleted", deleted).log("retention deleted {} expired points", deleted);
            }
        } catch (RuntimeException e) {
            log.warn("points retention run failed; the next run retries", e);
        }
    }

    private long purgeAll() {
        var deleted = new Count();
        var instant = clock.instant();
        long now = instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
        List<String> tenants = transactions.asPlatform(connection -> column(connection, TENANTS));
        for (var tenant : tenants) {
            var id = new TenantId(tenant);
            for (var retained : transactions.inTenant(id, connection -> retained(connection, id))) {
                try {
                    purge(id, retained.dataset(), now - retained.days() * NANOS_PER_DAY, deleted);
                } catch (Busy e) {
                    // What it purged before is committed (and counted); the next run goes on from there.
                    if (e.type() != ProblemType.DATASET_BUSY) {
                        throw e; // a deadlock (transaction_conflict) fails the pass, logged, as any other failure
                    }
                    log.atWarn().addKeyValue("tenant", tenant).addKeyValue("dataset", retained.dataset())
                            .log("points retention passes by dataset {} this run: {}", retained.dataset(), e.getMessage());
                }
            }
        }
        return deleted.points;
    }

    /** The points a run deleted, counted as each transaction commits: a dataset passed by half-way keeps its part. */
    private static final class Count {
        long points;
    }

    private void purge(TenantId tenant, String dataset, long cutoff, Count deleted) {
        int rows;
        do {
            rows = transactions.inTenant(tenant, connection -> {
                PointLocks.lockChunks(connection, tenant, dataset);
                try (var statement = connection.prepareStatement(DELETE_BATCH)) {
                    statement.setString(1, tenant.value());
                    statement.setString(2, dataset);
                    statement.setLong(3, cutoff);
                    statement.setInt(4, settings.retentionBatch());
                    return statement.executeUpdate();
                }
            });
            deleted.points += rows;
        } while (rows == settings.retentionBatch() && !Thread.currentThread().isInterrupted());
        // Batch rows (V38) are hot, so few: one statement drops those wholly expired and rewrites
        // those that straddle the cut without their expired points.
        deleted.points += transactions.inTenant(tenant, connection -> {
            PointLocks.lockChunks(connection, tenant, dataset);
            return BatchRows.removeRange(connection, tenant, dataset, Long.MIN_VALUE, cutoff - 1, "TRUE", (statement, first) -> { });
        });
        purgeChunks(tenant, dataset, cutoff, deleted);
    }

    private void purgeChunks(TenantId tenant, String dataset, long cutoff, Count deleted) {
        long chunks;
        do {
            var batch = transactions.inTenant(tenant, connection -> {
                PointLocks.lockChunks(connection, tenant, dataset);
                try (var statement = connection.prepareStatement(DELETE_CHUNKS)) {
                    statement.setString(1, tenant.value());
                    statement.setString(2, dataset);
                    statement.setLong(3, cutoff);
                    statement.setInt(4, settings.retentionBatch());
                    try (var rows = statement.executeQuery()) {
                        rows.next();
                        return new long[] {rows.getLong(1), rows.getLong(2)};
                    }
                }
            });
            chunks = batch[0];
            deleted.points += batch[1];
        } while (chunks == settings.retentionBatch() && !Thread.currentThread().isInterrupted());
    }

    private static List<Retained> retained(Connection connection, TenantId tenant) throws SQLException {
        try (var statement = connection.prepareStatement(RETAINED)) {
            statement.setString(1, tenant.value());
            var retained = new ArrayList<Retained>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    retained.add(new Retained(rows.getString(1), rows.getInt(2)));
                }
            }
            return retained;
        }
    }

    private static List<String> column(Connection connection, String sql) throws SQLException {
        try (var statement = connection.prepareStatement(sql); var rows = statement.executeQuery()) {
            var values = new ArrayList<String>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        }
    }

}
