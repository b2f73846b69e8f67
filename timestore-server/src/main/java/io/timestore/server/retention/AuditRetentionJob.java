package io.timestore.server.retention;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.Details;
import io.timestore.audit.EventIds;
import io.timestore.audit.Severity;
import io.timestore.audit.cluster.Leadership;
import io.timestore.audit.retention.Retention;
import io.timestore.audit.store.EventStore;
import io.timestore.server.db.Transactions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Purges audit events past their tenant's retention (default {@code audit.retention-days}, a
 * tenant may have its own; a tenant under legal hold is never purged). Runs on a schedule on one
 * instance at a time (a PostgreSQL advisory lock taken per run, {@link Leadership#runExclusively}), and each purge is itself recorded as an audit
 * event in the purged partition, after the purge boundary so it is kept.
 *
 * <p><b>Delivery holds retention back</b> (docs/audit-delivery.md): nothing is purged past what
 * every enabled audit sink receiving the partition has acknowledged ({@link DeliveryHold}). The
 * held-back events are logged and counted in {@code timestore.audit.retention.held.events}. With
 * {@code audit.delivery.max-hold} set, events older than retention plus that hold go anyway; the
 * sink then sees a gap in {@code seq}.
 */
public final class AuditRetentionJob implements AutoCloseable {
    /** The advisory lock that makes one instance the purger. */
    public static final long LEADER_LOCK = 0x7473_7265_7465_6e74L;
    private static final Logger log = LoggerFactory.getLogger(AuditRetentionJob.class);
    private static final String POLICIES = "SELECT id, audit_retention_days, legal_hold FROM tenants";

    /**
     * What audit delivery still needs: the last seq of a partition that every enabled sink receiving
     * it has acknowledged, or empty when no sink receives it.
     */
    @FunctionalInterface
    public interface DeliveryHold {
        java.util.OptionalLong deliveredThrough(String partition);

        DeliveryHold NONE = partition -> java.util.OptionalLong.empty();
    }

    /** One partition's retention: its days, and whether a legal hold stops purging. */
    public record Policy(int retentionDays, boolean legalHold) {}

    /** What a run did (or, dry, would do) for one partition. */
    public record Outcome(String partition, Instant cutoff, long fromSeq, long throughSeq, long events, boolean dryRun) {}

    private final Retention retention;
    private final Leadership purger;
    private final Transactions transactions;
    private final EventStore sink;
    private final int defaultDays;
    private final InstantSource clock;
    private final Counter purged;
    private final Counter ran;
    private final Counter skipped;
    private final DeliveryHold hold;
    private final Optional<Duration> maxHold;
    private final AtomicLong lastRun = new AtomicLong();
    private final AtomicLong held = new AtomicLong();
    private final ScheduledExecutorService schedule =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("audit-retention").daemon().factory());

    public AuditRetentionJob(Retention retention, DataSource runtime, Transactions transactions, EventStore sink,
                             int defaultDays, InstantSource clock, MeterRegistry registry) {
        this(retention, runtime, transactions, sink, defaultDays, clock, registry, DeliveryHold.NONE, Optional.empty());
    }

    /**
     * @param hold    what audit delivery still needs; never purged unless older than retention plus {@code maxHold}
     * @param maxHold how long past its retention an undelivered event is kept at most (empty: for ever)
     */
    public AuditRetentionJob(Retention retention, DataSource runtime, Transactions transactions, EventStore sink,
                             int defaultDays, InstantSource clock, MeterRegistry registry, DeliveryHold hold,
                             Optional<Duration> maxHold) {
        this.retention = retention;
        this.purger = new Leadership(runtime, LEADER_LOCK);
        this.transactions = transactions;
        this.sink = sink;
        this.defaultDays = defaultDays;
        this.clock = clock;
        this.hold = hold;
        this.maxHold = maxHold;
        this.purged = Counter.builder("timestore.audit.purged").description("Audit events removed by retention")
                .register(registry);
        this.ran = runs(registry, "ran");
        this.skipped = runs(registry, "skipped");
        Gauge.builder("timestore.audit.purge.last.run.timestamp.seconds", lastRun, AtomicLong::get)
                .description("When the retention job last completed a run (Unix seconds)").register(registry);
        Gauge.builder("timestore.audit.retention.held.events", held, AtomicLong::get)
                .description("Audit events past retention kept at the last run because an audit sink has not delivered them")
                .register(registry);
    }

    /** Runs every {@code interval}, the first time after one interval. */
    public AuditRetentionJob start(Duration interval) {
        schedule.scheduleWithFixedDelay(() -> {
            try {
                run(false);
            } catch (RuntimeException e) {
                log.error("audit retention run failed: {}", e.getMessage());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * One run over every partition (or only {@code partitions} when given). Returns nothing when
     * another instance holds the purger lock.
     */
    public Optional<List<Outcome>> run(boolean dryRun, String... partitions) {
        try {
            var outcomes = purger.runExclusively(() -> runAsLeader(dryRun, partitions));
            (outcomes.isPresent() ? ran : skipped).increment();
            return outcomes;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("audit retention could not take its lock (SQLState " + e.getSQLState() + ")", e);
        }
    }

    private static Counter runs(MeterRegistry registry, String outcome) {
        return Counter.builder("timestore.audit.retention.runs").tag("outcome", outcome)
                .description("Runs of the audit retention job: ran on this instance, or skipped because another instance held the purger lock")
                .register(registry);
    }

    private List<Outcome> runAsLeader(boolean dryRun, String... only) {
        var policies = policies();
        var outcomes = new ArrayList<Outcome>();
        var partitions = only.length > 0 ? List.of(only) : retention.partitions();
        var now = clock.instant();
        long heldBack = 0;
        for (var partition : partitions) {
            var policy = policies.getOrDefault(partition, new Policy(defaultDays, false));
            if (policy.legalHold()) {
                log.info("audit retention: {} is under legal hold; nothing purged", partition);
                continue;
            }
            var cutoff = now.minus(Duration.ofDays(policy.retentionDays()));
            var due = retention.plan(partition, cutoff);
            if (due.isEmpty()) {
                continue;
            }
            long through = allowedThrough(partition, due.get(), cutoff);
            if (through < due.get().throughSeq()) {
                long kept = due.get().throughSeq() - Math.max(through, due.get().fromSeq() - 1);
                heldBack += kept;
                log.warn("audit retention: keeping {} event(s) of {} past retention (through seq {}) that an audit sink "
                        + "has not delivered yet", kept, partition, due.get().throughSeq());
            }
            if (dryRun) {
                if (through >= due.get().fromSeq()) {
                    outcomes.add(new Outcome(partition, cutoff, due.get().fromSeq(), through, through - due.get().fromSeq() + 1, true));
                }
                continue;
            }
            if (through < due.get().fromSeq()) {
                continue;
            }
            retention.purge(partition, cutoff, through).ifPresent(done -> {
                purged.increment(done.eventsDeleted());
                record(partition, done);
                outcomes.add(new Outcome(partition, cutoff, done.plan().fromSeq(), done.plan().throughSeq(),
                        done.eventsDeleted(), false));
            });
        }
        if (!dryRun) {
            lastRun.set(clock.instant().getEpochSecond());
            held.set(heldBack);
        }
        return outcomes;
    }

    /**
     * The last seq of {@code due} that may go: what every sink delivered, or, with a max hold,
     * also whatever is older than the cutoff moved back by that hold.
     */
    private long allowedThrough(String partition, Retention.Plan due, Instant cutoff) {
        var delivered = hold.deliveredThrough(partition);
        if (delivered.isEmpty() || delivered.getAsLong() >= due.throughSeq()) {
            return due.throughSeq();
        }
        long through = delivered.getAsLong();
        if (maxHold.isPresent()) {
            var forced = retention.plan(partition, cutoff.minus(maxHold.get()));
            if (forced.isPresent() && forced.get().throughSeq() > through) {
                log.error("audit retention: purging {} event(s) of {} through seq {} that an audit sink has not delivered: "
                        + "they are older than retention plus audit.delivery.max-hold", forced.get().throughSeq() - through,
                        partition, forced.get().throughSeq());
                through = forced.get().throughSeq();
            }
        }
        return through;
    }

    private Map<String, Policy> policies() {
        return transactions.asPlatform(connection -> {
            var policies = new HashMap<String, Policy>();
            try (var rows = connection.createStatement().executeQuery(POLICIES)) {
                while (rows.next()) {
                    int days = rows.getInt("audit_retention_days");
                    boolean tenantDefault = rows.wasNull();
                    policies.put(rows.getString("id"), new Policy(tenantDefault ? defaultDays : days, rows.getBoolean("legal_hold")));
                }
            }
            return policies;
        });
    }

    /** The purge is itself audited, in the partition it purged, after the boundary. */
    private void record(String partition, Retention.Purged done) {
        var details = JsonNodeFactory.instance.objectNode()
                .put("from_seq", done.plan().fromSeq())
                .put("through_seq", done.plan().throughSeq())
                .put("events_deleted", done.eventsDeleted())
                .put("cutoff", done.plan().cutoff().toString())
                .put("anchor_key_id", done.anchor().keyId());
        var uid = UUID.randomUUID().toString();
        var event = new AuditEvent(EventIds.forRequest(partition, uid), partition, clock.instant(), uid, null,
                new AuditEvent.Actor("timestore-retention", AuditEvent.ActorType.SYSTEM, List.of(), List.of(), List.of(), "internal"),
                new AuditEvent.Operation("audit:purge", "audit", "audit_partition", partition, null),
                new AuditEvent.Outcome(AuditEvent.Result.SUCCEEDED, 200, null), null,
                new AuditEvent.Request("JOB", "/jobs/audit-retention", null, null), Details.of(details), Severity.INFO, null);
        sink.append(List.of(event));
        log.info("audit retention purged {} event(s) of {} through seq {}", done.eventsDeleted(), partition, done.plan().throughSeq());
    }

    @Override
    public void close() {
        schedule.shutdownNow();
    }
}
