package io.timestore.server.ingest;

import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.compaction.PointLocks;
import io.timestore.server.datasets.DatasetService;
import io.timestore.server.db.Transactions;
import io.timestore.server.points.PointsMetrics;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import io.timestore.server.problems.ProblemType;
import java.util.ArrayList;
import java.util.Objects;

/**
 * Writes batches of points into a dataset: one transaction per batch, all or nothing. A field
 * whose type differs from the one it has in the batch or in the dataset is a 422
 * {@code field_type_conflict} and nothing is written. The audit event commits with the points.
 */
public final class PointsService {
    /** Where an error about a field of the batch's point on {@code line} points: the line or a JSON pointer. */
    @FunctionalInterface
    interface Locator {
        FieldError at(int line, String field, String detail);
    }

    private final Transactions transactions;
    private final DatasetService datasets;
    private final PointsStore store = new PointsStore();
    private final PointsMetrics metrics;
    private final IngestLimits limits;
    private final KnownSeries known;

    /**
     * Holds writes to the tenant's points-per-second limit and series quota ({@code limits}), and
     * remembers the ids of at most {@code knownSeries} series (and as many field types) that
     * writes found stored ({@link KnownSeries}).
     */
    public PointsService(Transactions transactions, DatasetService datasets, PointsMetrics metrics, IngestLimits limits,
                         int knownSeries) {
        this.known = new KnownSeries(knownSeries);
        this.limits = Objects.requireNonNull(limits, "limits");
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.datasets = Objects.requireNonNull(datasets, "datasets");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * Stores {@code batch} in {@code dataset} and commits the audit event with {@code status}. The
     * batch's points (one per field value) are first taken from the tenant's points-per-second
     * limit; the series it would create are held to the tenant's series quota in the transaction.
     */
    void write(SecurityContext security, RequestAudit audit, String dataset, Batch batch, Locator locate, int status) {
        var series = new SeriesSlots(batch);
        if (!series.consistent()) { // the exact report only when there is something to report
            refuseInternalConflicts(batch, locate);
        }
        var tenant = security.tenant();
        limits.admitPoints(tenant, series.values());
        // The dataset's row is held by the transaction's first statement, sent with the tenant setting.
        var committed = transactions.inTenantWritingWithGenericPlansFrom(tenant, DatasetService.holdStatement(), statement -> {
            statement.setString(2, tenant.value());
            statement.setString(3, dataset);
        }, (held, connection) -> {
            var known = this.known.write(tenant, dataset, datasets.held(held, dataset));
            var conflicts = store.fixFieldTypes(connection, tenant, dataset, series, known);
            if (!conflicts.isEmpty()) {
                var errors = conflicts.stream().limit(100)
                        .map(c -> locate.at(batch.lineOf(c.index()), c.field(), c.message())).toList();
                throw new InvalidRequest(ProblemType.FIELD_TYPE_CONFLICT,
                        conflicts.getFirst().message() + "; nothing was written", errors);
            }
            var written = store.insert(connection, tenant, dataset, batch, series, limits, known);
            audit.detail("points", written.points()).detail("series", written.series());
            audit.commit(connection, status);
            return new Committed(written, known);
        });
        committed.known().remember();
        metrics.written(tenant, committed.written().points());
    }

    /** A write's transaction, committed: what it stored, and what it found stored. */
    private record Committed(PointsStore.Written written, KnownSeries.Write known) {}

    /**
     * Deletes the points of {@code dataset} from {@code start} to {@code stop} (both included) in
     * the series {@code predicate} matches, in the caller's tenant, and commits the audit event
     * with {@code status} in the same transaction.
     */
    void delete(SecurityContext security, RequestAudit audit, String dataset, long start, long stop, DeletePredicate predicate,
                int status) {
        var tenant = security.tenant();
        transactions.inTenant(tenant, connection -> {
            // The chunk lock before the dataset's row, as a dataset's deletion takes them (DatasetService.delete).
            PointLocks.lockChunks(connection, tenant, dataset);
            datasets.hold(connection, tenant, dataset);
            long deleted = store.delete(connection, tenant, dataset, start, stop, predicate);
            audit.detail("deleted_points", deleted);
            audit.commit(connection, status);
            return deleted;
        });
    }

    private static void refuseInternalConflicts(Batch batch, Locator locate) {
        var conflicts = batch.typeConflicts();
        if (conflicts.isEmpty()) {
            return;
        }
        var errors = new ArrayList<FieldError>();
        for (var conflict : conflicts) {
            errors.add(locate.at(conflict.line(), conflict.field(), conflict.message()));
        }
        throw new InvalidRequest(ProblemType.FIELD_TYPE_CONFLICT, conflicts.getFirst().message() + "; nothing was written",
                errors);
    }
}
