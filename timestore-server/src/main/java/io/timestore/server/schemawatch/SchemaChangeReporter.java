package io.timestore.server.schemawatch;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.Details;
import io.timestore.audit.EventIds;
import io.timestore.audit.Severity;
import io.timestore.audit.store.EventStore;
import io.timestore.server.db.SchemaWatch;
import io.timestore.server.db.Transactions;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each unexpected schema change (DDL on Timestore's schema that no Timestore migration ran,
 * recorded by the V27 event triggers) into one {@code _platform} audit event of severity
 * {@code security}, action {@code schema:change}, and counts it
 * ({@code timestore_schema_changes_unexpected_total}). Claiming a change
 * ({@code schema_change_reports}) and appending its event commit together, so each change is
 * reported exactly once, by whichever instance claims it first.
 *
 * <p>Also watches the watcher: {@code timestore_schema_watch_active} is 0 while the event
 * triggers are missing or disabled (an external database whose operator has not installed them,
 * or someone who turned them off), with a warning at start and whenever that changes.
 */
public final class SchemaChangeReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaChangeReporter.class);
    static final int BATCH = 100;
    private static final String CLAIM = """
            WITH claimed AS (
                INSERT INTO schema_change_reports (change_id)
                SELECT c.id FROM schema_changes c
                WHERE NOT c.expected AND NOT EXISTS (SELECT 1 FROM schema_change_reports r WHERE r.change_id = c.id)
                ORDER BY c.id LIMIT ?
                ON CONFLICT DO NOTHING
                RETURNING change_id)
            SELECT c.id, c.occurred_at, c.event, c.command_tag, c.object_type, c.object_identity, c.schema_name,
                   c.session_role, c.acting_role, host(c.client_addr) AS client_addr, c.application_name
            FROM schema_changes c JOIN claimed ON claimed.change_id = c.id
            ORDER BY c.id""";

    private final Transactions transactions;
    private final EventStore sink;
    private final InstantSource clock;
    private final Counter unexpected;
    private final AtomicInteger active = new AtomicInteger(-1);
    private final ScheduledExecutorService schedule;

    public SchemaChangeReporter(Transactions transactions, EventStore sink, InstantSource clock, MeterRegistry registry) {
        this.transactions = transactions;
        this.sink = sink;
        this.clock = clock;
        this.unexpected = Counter.builder("timestore.schema.changes.unexpected")
                .description("DDL on Timestore's schema run outside Timestore's migrations, each also a _platform audit event of severity security")
                .register(registry);
        Gauge.builder("timestore.schema.watch.active", active, a -> Math.max(0, a.get()))
                .description("1 while the schema-change event triggers are installed and enabled; 0 means DDL goes unrecorded")
                .register(registry);
        this.schedule = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("timestore-schema-watch").factory());
    }

    /** Checks the triggers once (warning when they are missing), then reports every {@code interval}. */
    public SchemaChangeReporter start(Duration interval) {
        runQuietly();
        schedule.scheduleWithFixedDelay(this::runQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void runQuietly() {
        try {
            report();
        } catch (RuntimeException e) {
            log.error("reporting schema changes failed; will retry", e);
        }
    }

    /** One round: the watch's state, then the unexpected changes not reported yet. Returns how many were reported. */
    public int report() {
        var reported = transactions.asPlatform(connection -> {
            watching(SchemaWatch.active(connection));
            var events = new ArrayList<AuditEvent>();
            try (var claim = connection.prepareStatement(CLAIM)) {
                claim.setInt(1, BATCH);
                try (var rows = claim.executeQuery()) {
                    while (rows.next()) {
                        events.add(event(rows));
                    }
                }
            }
            for (var event : events) {
                sink.append(connection, event);
            }
            return events;
        });
        for (var event : reported) {
            unexpected.increment();
            log.atWarn().addKeyValue("event_id", event.eventId())
                    .log("unexpected schema change to {} {} by {} (audit event {})", event.operation().resourceType(),
                            event.operation().resourceId(), event.actor().id(), event.eventId());
        }
        return reported.size();
    }

    private void watching(boolean now) {
        int previous = active.getAndSet(now ? 1 : 0);
        if (!now && previous != 0) {
            log.warn("schema-change monitoring is OFF: the event triggers {} are missing or disabled in the database, so DDL "
                    + "run outside Timestore goes unrecorded; a superuser must create them (docs/security.md, \"Schema-change "
                    + "monitoring\")", "timestore_schema_watch_ddl/_drop");
        } else if (now && previous == 0) {
            log.info("schema-change monitoring is on");
        }
    }

    private AuditEvent event(ResultSet row) throws SQLException {
        long id = row.getLong("id");
        var details = JsonNodeFactory.instance.objectNode()
                .put("change_id", id)
                .put("event", row.getString("event"))
                .put("command_tag", row.getString("command_tag"))
                .put("object_type", row.getString("object_type"))
                .put("object_identity", row.getString("object_identity"))
                .put("schema", row.getString("schema_name"))
                .put("session_role", row.getString("session_role"))
                .put("acting_role", row.getString("acting_role"))
                .put("application_name", row.getString("application_name"))
                .put("occurred_at", row.getTimestamp("occurred_at").toInstant().toString())
                .put("expected", false);
        var partition = AuditEvent.PLATFORM_PARTITION;
        var uid = "schema-change-" + id;
        return new AuditEvent(EventIds.forRequest(partition, uid), partition, clock.instant(), uid, null,
                new AuditEvent.Actor(row.getString("session_role"), AuditEvent.ActorType.SYSTEM, List.of(), List.of(), List.of(), "database"),
                new AuditEvent.Operation("schema:change", "database", row.getString("object_type"),
                        row.getString("object_identity"), null),
                new AuditEvent.Outcome(AuditEvent.Result.SUCCEEDED, 200, null), null,
                new AuditEvent.Request("DDL", "/database/schema", row.getString("client_addr"), null), Details.of(details),
                Severity.SECURITY, null);
    }

    @Override
    public void close() {
        schedule.shutdownNow();
    }
}
