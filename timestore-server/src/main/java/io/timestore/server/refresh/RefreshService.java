package io.timestore.server.refresh;

import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.datasets.DatasetService;
import io.timestore.server.db.Transactions;
import io.timestore.server.problems.Conflict;
import io.timestore.server.problems.ProblemType;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The refresh registry: runtime writers report runs of a dataset's refresh; readers ask how
 * fresh the dataset is. A report follows {@link RefreshState}'s transitions (409 otherwise) and
 * commits its audit event with it.
 */
public final class RefreshService {
    /** The outcome of a report: the run as stored, and whether this report created it. */
    record Reported(RefreshRun run, boolean created) {}

    /** A dataset's readiness: the most recently updated run and the highest succeeded watermark. */
    record Status(Optional<RefreshRun> latest, OptionalLong watermark) {}

    private final Transactions transactions;
    private final DatasetService datasets;
    private final RefreshStore store = new RefreshStore();
    private final RefreshMetrics metrics;

    public RefreshService(Transactions transactions, DatasetService datasets) {
        this(transactions, datasets, new RefreshMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                new io.timestore.server.ops.TenantLabels(io.timestore.server.config.TelemetrySettings.off()),
                java.time.InstantSource.system(), 1));
    }

    public RefreshService(Transactions transactions, DatasetService datasets, RefreshMetrics metrics) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.datasets = Objects.requireNonNull(datasets, "datasets");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /** Applies {@code report} to its run and commits {@code reply} (what the client will be sent) with it. */
    Reported report(SecurityContext security, RequestAudit audit, String dataset, RefreshStore.Report report,
                    Function<Reported, Reply> reply) {
        var tenant = security.tenant();
        var actor = security.principal().subject();
        audit.detail("run_id", report.runId()).detail("state", report.state().label());
        var reported = transactions.inTenant(tenant, connection -> {
            datasets.hold(connection, tenant, dataset);
            var existing = store.findForUpdate(connection, tenant, dataset, report.runId());
            if (existing.isEmpty()) {
                var created = store.insert(connection, tenant, dataset, report, actor);
                if (created.isPresent()) {
                    return committed(connection, audit, new Reported(created.get(), true), reply);
                }
                existing = store.findForUpdate(connection, tenant, dataset, report.runId());
            }
            return committed(connection, audit, transition(connection, security, audit, dataset, existing.orElseThrow(), report),
                    reply);
        });
        var run = reported.run();
        if (run.state() == RefreshState.SUCCEEDED && run.watermark().isPresent()) {
            metrics.succeeded(tenant, dataset, run.watermark().getAsLong());
        }
        return reported;
    }

    private Reported transition(Connection connection, SecurityContext security, RequestAudit audit, String dataset,
                                RefreshRun current, RefreshStore.Report report) throws SQLException {
        audit.detail("previous_state", current.state().label());
        if (current.state().terminal() && sameReport(current, report)) {
            audit.detail("repeated", "true");
            return new Reported(current, false);
        }
        if (!current.state().mayBecome(report.state())) {
            throw new Conflict(ProblemType.CONFLICT, "run '%s' is %s and cannot become %s (allowed: %s)".formatted(
                    report.runId(), current.state().label(), report.state().label(), allowedAfter(current.state())));
        }
        if (current.watermark().isPresent() && report.watermark().isPresent()
                && report.watermark().getAsLong() < current.watermark().getAsLong()) {
            throw new Conflict(ProblemType.CONFLICT, "run '%s' already reported a later watermark; watermarks do not move back"
                    .formatted(report.runId()));
        }
        var merged = report.watermark().isPresent() ? report
                : new RefreshStore.Report(report.runId(), report.state(), current.watermark(), report.detailsJson());
        var updated = store.update(connection, security.tenant(), dataset, merged, security.principal().subject());
        return new Reported(updated, false);
    }

    private static Reported committed(Connection connection, RequestAudit audit, Reported reported, Function<Reported, Reply> reply) {
        audit.commit(connection, reply.apply(reported));
        return reported;
    }

    Status status(SecurityContext security, String dataset) {
        return transactions.inTenant(security.tenant(), connection -> new Status(
                store.latest(connection, security.tenant(), dataset),
                store.watermark(connection, security.tenant(), dataset)));
    }

    List<RefreshRun> runs(SecurityContext security, String dataset, long beforeSeq, int limit) {
        return transactions.inTenant(security.tenant(),
                connection -> store.page(connection, security.tenant(), dataset, beforeSeq, limit));
    }

    private static boolean sameReport(RefreshRun current, RefreshStore.Report report) {
        return current.state() == report.state()
                && (report.watermark().isEmpty() || report.watermark().equals(current.watermark()));
    }

    private static String allowedAfter(RefreshState state) {
        return switch (state) {
            case PENDING -> "pending, running, succeeded, failed";
            case RUNNING -> "running, succeeded, failed";
            case SUCCEEDED, FAILED -> "nothing: the run is finished; report a new run_id";
        };
    }
}
