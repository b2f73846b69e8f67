package io.timestore.server.compaction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.audit.cluster.Leadership;
import io.timestore.security.TenantId;
import io.timestore.server.compaction.ChunkStore.Bucket;
import io.timestore.server.compaction.ChunkStore.Position;
import io.timestore.server.config.CompactionSettings;
import io.timestore.server.db.DatabaseFailure;
import io.timestore.server.db.Transactions;
import io.timestore.server.points.FieldType;
import io.timestore.server.problems.Busy;
import io.timestore.server.problems.ProblemType;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds hot points (batch rows of {@code point_batches}, V38, and row-per-point rows of
 * {@code point_rows}) into chunks ({@code point_chunks}, V37) once their hour bucket is wholly
 * older than {@code points.compaction.age} (docs/data-plane.md, "Compaction"). A group (a
 * series' hot points in one hour bucket) takes the hot points, merges them over the bucket's
 * chunks and replaces those chunks; a few groups are one transaction in the owning tenant, and a
 * crash keeps or undoes them whole, so nothing is lost or doubled, and the next pass goes on where this one stopped
 * (existing row-per-point data is just old hot data). One instance runs at a time across servers
 * (a session advisory lock, {@link Leadership#runExclusively}).
 */
public final class PointsCompactor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PointsCompactor.class);
    // "pts_cmpc" as a 64-bit advisory lock key; distinct from the other jobs' keys.
    private static final long LOCK_KEY = 0x7074735F636D7063L;
    private static final long PROGRESS_EVERY = 100_000;
    /** Groups in a row that may take nothing from one bucket before a pass moves past it (see {@link Walk#moveOn}). */
    static final int MAX_EMPTY_GROUPS = 1_000;
    /**
     * Groups committed together: a transaction's own round trips (its start, the tenant setting,
     * the commit) are shared by them, and the chunk lock is held for a few milliseconds longer.
     */
    static final int GROUPS_PER_TRANSACTION = 16;
    private static final String TENANTS = "SELECT id FROM tenants ORDER BY id";
    private static final String DATASETS = "SELECT id FROM datasets WHERE tenant_id = ? ORDER BY id";

    /** What one pass did. */
    public record Pass(long pointsFolded, long chunksWritten, long groups) {}

    private final Leadership runner;
    private final Transactions transactions;
    private final CompactionSettings settings;
    private final InstantSource clock;
    private final Counter points;
    private final Counter chunks;
    private final Counter passes;
    private final Counter failures;
    private final Counter writeLockBusy;
    private final Counter chunkLockBusy;
    private final ScheduledExecutorService scheduler;

    public PointsCompactor(DataSource dataSource, Transactions transactions, CompactionSettings settings, InstantSource clock,
                           MeterRegistry registry) {
        this.runner = new Leadership(Objects.requireNonNull(dataSource, "dataSource"), LOCK_KEY);
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.points = Counter.builder("timestore.points.compaction.points")
                .description("Hot rows folded into chunks by the compactor").register(registry);
        this.chunks = Counter.builder("timestore.points.compaction.chunks")
                .description("Chunks written by the compactor").register(registry);
        this.passes = Counter.builder("timestore.points.compaction.passes")
                .description("Compaction passes completed (each goes through every dataset once)").register(registry);
        this.failures = Counter.builder("timestore.points.compaction.failures")
                .description("Compaction passes that failed (the next pass retries)").register(registry);
        this.writeLockBusy = busy(registry, "write");
        this.chunkLockBusy = busy(registry, "chunks");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("points-compactor").factory());
    }

    private static Counter busy(MeterRegistry registry, String lock) {
        return Counter.builder("timestore.points.compaction.busy")
                .description("Passes ended (lock=write) and datasets passed by (lock=chunks) because another transaction held "
                        + "the lock longer than a pass waits for it (docs/operations.md)")
                .tag("lock", lock).register(registry);
    }

    /** Schedules a pass every {@code points.compaction.interval} when compaction is enabled; the first at once. */
    public PointsCompactor start() {
        if (settings.enabled()) {
            long every = settings.interval().toMillis();
            scheduler.scheduleWithFixedDelay(this::runLogged, 0, every, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * One pass now, on the calling thread; empty when another instance holds the lock, or when the
     * writes in progress held the write lock longer than a pass waits for its watermark.
     */
    public Optional<Pass> runOnce() {
        try {
            var pass = runner.runExclusively(this::pass).flatMap(done -> done);
            pass.ifPresent(done -> passes.increment());
            return pass;
        } catch (SQLException e) {
            throw new DatabaseFailure(e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    private void runLogged() {
        try {
            runOnce().ifPresent(pass -> log.atInfo().addKeyValue("points_folded", pass.pointsFolded())
                    .addKeyValue("chunks_written", pass.chunksWritten()).addKeyValue("groups", pass.groups())
                    .log("points compaction pass finished: {} hot points folded into {} chunks", pass.pointsFolded(), pass.chunksWritten()));
        } catch (RuntimeException e) {
            failures.increment();
            log.warn("points compaction pass failed; the next pass goes on from what is still hot", e);
        }
    }

    /** A chunk's bucket: a series' hour (one chunk unless the hour holds more points than a chunk takes). */
    public static final long BUCKET_NANOS = ChunkStore.BUCKET_NANOS;

    /**
     * Where a pass at {@code now} stops: it folds the hot points of every hour bucket that ends at
     * or before the returned time (ns). Only whole buckets older than {@code age}: a bucket is
     * folded once, not again at every pass.
     */
    public static long foldedBefore(Instant now, Duration age) {
        return Bucket.of(now.getEpochSecond() * 1_000_000_000L + now.getNano() - age.toNanos()).start();
    }

    private Optional<Pass> pass() {
        long before = foldedBefore(clock.instant(), settings.age());
        // Batch rows of later versions wait for the next pass (see PointLocks.watermark).
        long watermark;
        try {
            watermark = transactions.asPlatform(PointLocks::watermark);
        } catch (Busy e) {
            // Writes queue behind a pass waiting for the lock: it waits a bounded time, then gives way.
            if (e.type() != ProblemType.DATASET_BUSY) {
                throw e; // a deadlock (transaction_conflict) fails the pass, logged, as any other failure
            }
            writeLockBusy.increment();
            log.warn("points compaction pass skipped: {}; the next pass tries again (a transaction on the points view left open?)",
                    e.getMessage());
            return Optional.empty();
        }
        long folded = 0;
        long written = 0;
        long groups = 0;
        for (var tenant : transactions.asPlatform(connection -> column(connection, TENANTS, null))) {
            var id = new TenantId(tenant);
            for (var dataset : transactions.inTenant(id, connection -> column(connection, DATASETS, tenant))) {
                var walk = new Walk();
                long datasetFolded = 0;
                while (!Thread.currentThread().isInterrupted()) {
                    // The groups' commit need not wait for the disk: groups lost in a crash leave their
                    // points hot, where every read finds them and the next pass folds them again.
                    List<Step> steps;
                    try {
                        steps = transactions.inTenantWithoutFlushWait(id, connection -> foldSome(connection, id, dataset, walk, before, watermark));
                    } catch (Busy e) {
                        // Nothing of this transaction's groups was committed; the next pass starts this dataset over.
                        if (e.type() != ProblemType.DATASET_BUSY) {
                            throw e; // a deadlock (transaction_conflict) fails the pass, logged, as any other failure
                        }
                        chunkLockBusy.increment();
                        log.atWarn().addKeyValue("tenant", tenant).addKeyValue("dataset", dataset)
                                .log("points compaction passes by dataset {}: {}", dataset, e.getMessage());
                        break;
                    }
                    if (steps.isEmpty()) {
                        break;
                    }
                    for (var done : steps) {
                        groups++;
                        points.increment(done.folded().hotRows());
                        chunks.increment(done.folded().chunksWritten());
                        written += done.folded().chunksWritten();
                        long total = datasetFolded + done.folded().hotRows();
                        if (total / PROGRESS_EVERY > datasetFolded / PROGRESS_EVERY) {
                            log.atInfo().addKeyValue("tenant", tenant).addKeyValue("dataset", dataset).addKeyValue("points_folded", total)
                                    .log("points compaction progress: {} hot points of {} folded so far", total, dataset);
                        }
                        datasetFolded = total;
                    }
                }
                folded += datasetFolded;
            }
        }
        return Optional.of(new Pass(folded, written, groups));
    }

    /** One group: what it folded, of which series and bucket. */
    private record Step(ChunkStore.Folded folded, long series, Bucket bucket) {}

    /** Where a pass stands in one dataset: the next group's start, and how the last groups went. */
    private static final class Walk {
        private Position next = new Position(0, Long.MIN_VALUE);
        private Step last;
        private int emptyGroups; // groups in a row that took nothing from the last group's bucket
        private final Map<Long, FieldType> types = new HashMap<>(); // of the series met, by id

        /**
         * Moves on after {@code done}. Rows a group left (more than one group takes, or written
         * meanwhile) are found again from the bucket's start. So is a bucket whose group took
         * nothing because the rows it chose were removed or moved on under it, between its choice
         * and its lock: everything of the server that removes points takes the chunk lock first
         * (InfluxDB deletes, retention, dataset deletion, the points view's UPDATE and DELETE), so
         * only an owner's statement on the table can do that, yet the bucket's other rows, beyond a
         * group's budget, must still be folded before any later bucket, whose group reads only rows that start in it
         * (ChunkStore's TAKE_BATCHES). Each such group needs a row at or below the watermark to
         * go, so they end; {@link #MAX_EMPTY_GROUPS} in a row on one bucket only guards against
         * a cause not foreseen here. A group that took nothing but locked rows holding no point in
         * the bucket (their min_ts lies about their points) would find them again: the walk moves
         * past the bucket.
         */
        void moveOn(Step done) {
            boolean sameBucket = last != null && last.series() == done.series() && last.bucket().equals(done.bucket());
            last = done;
            var bucket = done.bucket();
            var folded = done.folded();
            boolean removedUnderIt = folded.hotRows() == 0 && !folded.foundOnlyMismatchedRows();
            emptyGroups = removedUnderIt ? (sameBucket ? emptyGroups : 0) + 1 : 0;
            boolean stay = folded.hotRows() > 0 || (removedUnderIt && emptyGroups < MAX_EMPTY_GROUPS);
            if (stay) {
                next = new Position(done.series(), bucket.start());
            } else {
                next = bucket.end() == Long.MAX_VALUE ? new Position(done.series() + 1, Long.MIN_VALUE) : new Position(done.series(), bucket.end());
            }
        }
    }

    /**
     * Up to {@link #GROUPS_PER_TRANSACTION} groups in one transaction, each: find the next old hot
     * row, fold its series' bucket. Fewer when they took a group's budget of points between them.
     */
    private static List<Step> foldSome(Connection connection, TenantId tenant, String dataset, Walk walk, long before, long watermark)
            throws SQLException {
        var steps = new ArrayList<Step>();
        long taken = 0;
        // First in the transaction (READ COMMITTED): every statement after it sees what a delete or
        // another group that held the lock committed (PointLocks.lockChunks).
        PointLocks.lockChunks(connection, tenant, dataset);
        while (steps.size() < GROUPS_PER_TRANSACTION && taken < ChunkStore.MAX_ROWS_PER_GROUP) {
            var start = ChunkStore.nextGroup(connection, tenant, dataset, walk.next, before, watermark);
            if (start.isEmpty()) {
                break;
            }
            var series = start.get().series();
            var bucket = Bucket.of(start.get().timestamp());
            var type = walk.types.get(series);
            if (type == null) {
                type = ChunkStore.seriesType(connection, tenant, dataset, series);
                walk.types.put(series, type);
            }
            var done = new Step(ChunkStore.fold(connection, tenant, dataset, series, type, bucket, watermark), series, bucket);
            if (done.folded().foundOnlyMismatchedRows()) {
                log.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("dataset", dataset).addKeyValue("series_id", series)
                        .addKeyValue("bucket_start_ns", bucket.start())
                        .log("points compaction skips an hour of a series: {} of its batch rows start in it but hold none of their points there "
                                + "(edited by hand?); they stay hot", done.folded().rowsWithoutPoints());
            }
            walk.moveOn(done);
            if (walk.emptyGroups == MAX_EMPTY_GROUPS) {
                log.atWarn().addKeyValue("tenant", tenant.value()).addKeyValue("dataset", dataset).addKeyValue("series_id", series)
                        .addKeyValue("bucket_start_ns", bucket.start())
                        .log("points compaction moves past an hour of a series after {} groups in a row took nothing from it", MAX_EMPTY_GROUPS);
            }
            steps.add(done);
            taken += done.folded().hotRows();
        }
        return steps;
    }

    private static List<String> column(Connection connection, String sql, String parameter) throws SQLException {
        try (var statement = connection.prepareStatement(sql)) {
            if (parameter != null) {
                statement.setString(1, parameter);
            }
            var values = new ArrayList<String>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
            }
            return values;
        }
    }
}
