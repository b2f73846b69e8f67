package io.timestore.server.blocking;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.Details;
import io.timestore.audit.EventIds;
import io.timestore.audit.Severity;
import io.timestore.audit.store.EventStore;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.config.BlockingSettings;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.AuthenticationBlocks;
import io.timestore.server.problems.Blocked;
import io.timestore.server.problems.NotFound;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Automatic blocking (docs/security.md, "Automatic blocking"): counts authentication failures per
 * source address and per credential in PostgreSQL (so all instances add to one count), blocks a
 * subject that reaches {@code auth.blocking.threshold} failures within {@code auth.blocking.window}
 * for {@code auth.blocking.duration}, and refuses its requests with 429 {@code blocked}.
 *
 * <p>Each block start and each block end is one {@code _platform} audit event of severity
 * {@code security} ({@code auth:block} and {@code auth:unblock}), committed in the transaction
 * that starts or ends the block: the open-block index lets one transaction start it, and ending is
 * an update of the open row that only one transaction can make, so with any number of instances
 * every start and every end has exactly one event. Blocks that ran out are ended by a sweep every
 * {@code auth.blocking.cache-ttl}; refusals stop at the block's end time whether or not the sweep
 * has run.
 *
 * <p>Each instance refuses from its copy of the blocks in force, reloaded at least every
 * {@code auth.blocking.cache-ttl}, so a block started or lifted on another instance takes effect
 * here within that bound. If the database cannot be reached, requests are not refused for lack of
 * a fresh copy and failures go uncounted (logged), rather than turning every request into a 500.
 * Thread-safe.
 */
public final class Blocks implements AuthenticationBlocks, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Blocks.class);
    /** Failures that say nothing about the caller: no credential at all, or our identity provider is down. */
    private static final Set<Reason> NOT_COUNTED = Set.of(Reason.CREDENTIALS_MISSING, Reason.KEY_SOURCE_UNAVAILABLE);
    private static final int PAGE = 1_000;

    private final Transactions transactions;
    private final EventStore events;
    private final BlockingSettings settings;
    private final InstantSource clock;
    private final BlockStore store = new BlockStore();
    private final MeterRegistry registry;
    private final ScheduledExecutorService schedule;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), System.nanoTime(), true);
    /**
     * Blocks this instance started (present) or lifted (empty) since, with when (System.nanoTime):
     * a reload whose query began before such a change may not see it yet, so the change is laid
     * over what that reload read. Guarded by {@code this}.
     */
    private final Map<Subject, Change> changes = new HashMap<>();

    /** The blocks in force as last loaded, and when that load began (System.nanoTime). */
    private record Snapshot(Map<Subject, Block> blocks, long loadedAt, boolean stale) {}

    private record Change(Optional<Block> block, long at) {}

    public Blocks(Transactions transactions, EventStore events, BlockingSettings settings, InstantSource clock, MeterRegistry registry) {
        this.transactions = Objects.requireNonNull(transactions, "transactions");
        this.events = Objects.requireNonNull(events, "events");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.registry = Objects.requireNonNull(registry, "registry");
        Gauge.builder("timestore.auth.blocks.active", this, blocks -> blocks.snapshot.blocks().size())
                .description("Blocks in force (source addresses and credentials) as this instance last loaded them")
                .register(registry);
        this.schedule = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("timestore-blocks").factory());
    }

    /** Loads the blocks in force, then ends expired blocks and reloads every {@code auth.blocking.cache-ttl}. */
    public Blocks start() {
        if (settings.enabled()) {
            sweepQuietly();
            long every = settings.cacheTtl().toMillis();
            schedule.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    @Override
    public void admitSource(String source) {
        refuseIfBlocked(Subject.source(source), "this source address");
    }

    @Override
    public void admitCredential(Principal principal) {
        Subject.credential(principal.authMethod(), principal.subject())
                .ifPresent(subject -> refuseIfBlocked(subject, "this credential"));
    }

    @Override
    public void failed(String source, AuthenticationFailure failure) {
        if (!settings.enabled() || NOT_COUNTED.contains(failure.reason())) {
            return;
        }
        var credential = failure.credential().flatMap(c -> Subject.credential(c.method(), c.id()));
        credential.ifPresent(subject -> refuseIfBlocked(subject, "this credential"));
        var subjects = new ArrayList<Subject>();
        subjects.add(Subject.source(source));
        credential.ifPresent(subjects::add);
        try {
            var started = transactions.asPlatform(connection -> count(connection, subjects));
            started.forEach(this::started);
        } catch (RuntimeException e) {
            log.warn("authentication failure not counted towards blocking: {}", e.toString());
        }
    }

    private void refuseIfBlocked(Subject subject, String what) {
        if (!settings.enabled()) {
            return;
        }
        var now = clock.instant();
        var block = current().get(subject);
        if (block != null && block.inForce(now)) {
            Counter.builder("timestore.auth.blocked.requests")
                    .description("Requests refused with 429 blocked, by what was blocked")
                    .tag("kind", subject.kind().label())
                    .register(registry).increment();
            throw new Blocked(what, Duration.between(now, block.until()));
        }
    }

    /** The blocks in force, reloaded when the copy is older than {@code auth.blocking.cache-ttl}. */
    private Map<Subject, Block> current() {
        var copy = snapshot;
        if (fresh(copy)) {
            return copy.blocks();
        }
        synchronized (this) {
            copy = snapshot;
            if (fresh(copy)) {
                return copy.blocks();
            }
            try {
                return reload().blocks();
            } catch (RuntimeException e) {
                log.warn("cannot reload the blocks in force; using the copy loaded before: {}", e.toString());
                return copy.blocks();
            }
        }
    }

    private boolean fresh(Snapshot copy) {
        return !copy.stale() && System.nanoTime() - copy.loadedAt() < settings.cacheTtl().toNanos();
    }

    private Snapshot reload() {
        long began = System.nanoTime();
        var now = clock.instant();
        var loaded = new HashMap<Subject, Block>();
        transactions.asPlatform(connection -> {
            Optional<UUID> after = Optional.empty();
            while (true) {
                var page = store.inForce(connection, now, after, PAGE);
                page.forEach(block -> loaded.put(block.subject(), block));
                if (page.size() < PAGE) {
                    return null;
                }
                after = Optional.of(page.getLast().id());
            }
        });
        synchronized (this) {
            changes.values().removeIf(change -> change.at() - began < 0); // seen by this load's query
            changes.forEach((subject, change) -> change.block().ifPresentOrElse(
                    block -> loaded.put(subject, block), () -> loaded.remove(subject)));
            var fresh = new Snapshot(Map.copyOf(loaded), began, false);
            snapshot = fresh;
            return fresh;
        }
    }

    /** Records a block this instance started or lifted, in force here at once. */
    private synchronized void changed(Subject subject, Optional<Block> block) {
        changes.put(subject, new Change(block, System.nanoTime()));
        var blocks = new HashMap<>(snapshot.blocks());
        block.ifPresentOrElse(b -> blocks.put(subject, b), () -> blocks.remove(subject));
        snapshot = new Snapshot(Map.copyOf(blocks), snapshot.loadedAt(), snapshot.stale());
    }

    /** Counts one failure of each subject; starts the blocks that reach the threshold. */
    private List<Block> count(Connection connection, List<Subject> subjects) throws SQLException {
        var now = clock.instant();
        var started = new ArrayList<Block>();
        for (var subject : subjects) {
            int failures = store.countFailure(connection, subject, now, settings.window());
            if (failures < settings.threshold()) {
                continue;
            }
            // A block that ran out but was not ended yet would hold the subject's one open slot.
            for (var ended : store.endExpired(connection, Optional.of(subject), now)) {
                events.append(connection, event(ended, now));
            }
            var block = store.start(connection, subject, failures, now, now.plus(settings.duration()));
            if (block.isPresent()) {
                events.append(connection, event(block.get(), now));
                started.add(block.get());
            }
            store.resetCount(connection, subject);
        }
        return started;
    }

    private void started(Block block) {
        Counter.builder("timestore.auth.blocks.started")
                .description("Blocks started after repeated authentication failures, each also a _platform audit event of severity security")
                .tag("kind", block.subject().kind().label())
                .register(registry).increment();
        log.atWarn().addKeyValue("block_id", block.id()).addKeyValue("subject_kind", block.subject().kind().label())
                .log("blocked {} {} until {} after {} authentication failures", block.subject().kind().label(),
                        block.subject().value(), block.until(), block.failures());
        changed(block.subject(), Optional.of(block));
    }

    private void ended(Block block) {
        Counter.builder("timestore.auth.blocks.ended")
                .description("Blocks that ended, by what was blocked and why (expired, lifted)")
                .tag("kind", block.subject().kind().label())
                .tag("reason", block.endReason().orElse("expired"))
                .register(registry).increment();
        log.atInfo().addKeyValue("block_id", block.id())
                .log("block of {} {} ended ({})", block.subject().kind().label(), block.subject().value(), block.endReason().orElse("?"));
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.error("ending expired blocks failed; will retry", e);
        }
    }

    /** Ends the blocks whose time ran out (one event each), forgets stale counts, reloads. Returns the blocks ended. */
    public List<Block> sweep() {
        var now = clock.instant();
        var ended = transactions.asPlatform(connection -> {
            var expired = store.endExpired(connection, Optional.empty(), now);
            for (var block : expired) {
                events.append(connection, event(block, now));
            }
            store.forgetCountsBefore(connection, now.minus(settings.window()));
            return expired;
        });
        ended.forEach(this::ended);
        reload();
        return ended;
    }

    /** A page of the blocks in force, by id after {@code afterId}. */
    public List<Block> list(Optional<UUID> afterId, int limit) {
        var now = clock.instant();
        return transactions.asPlatform(connection -> store.inForce(connection, now, afterId, limit));
    }

    /**
     * Lifts block {@code id} for the operator of {@code security}: ends it with its end event and
     * commits the request's own event and {@code reply} with it.
     *
     * @throws NotFound when no block with that id is in force
     */
    public Block lift(SecurityContext security, RequestAudit audit, UUID id, Function<Block, Reply> reply) {
        var now = clock.instant();
        var lifted = transactions.asPlatform(connection -> {
            var block = store.lift(connection, id, security.principal().subject(), now)
                    .orElseThrow(() -> new NotFound("no block " + id + " is in force"));
            events.append(connection, event(block, now));
            audit.commit(connection, reply.apply(block));
            return block;
        });
        ended(lifted);
        changed(lifted.subject(), Optional.empty());
        return lifted;
    }

    /** The start or end event of {@code block} (an end when it has ended). */
    private AuditEvent event(Block block, Instant now) {
        boolean end = block.endedAt().isPresent();
        var details = JsonNodeFactory.instance.objectNode()
                .put("block_id", block.id().toString())
                .put("subject_kind", block.subject().kind().label())
                .put("subject", block.subject().value())
                .put("failures", block.failures())
                .put("threshold", settings.threshold())
                .put("window_seconds", settings.window().toSeconds())
                .put("started_at", block.startedAt().toString())
                .put("until", block.until().toString());
        if (end) {
            ended(details, block);
        }
        var partition = AuditEvent.PLATFORM_PARTITION;
        var uid = (end ? "block-end-" : "block-start-") + block.id();
        return new AuditEvent(EventIds.forRequest(partition, uid), partition, now, uid, null,
                new AuditEvent.Actor(block.liftedBy().orElse("timestore"), block.liftedBy().isPresent()
                        ? AuditEvent.ActorType.USER : AuditEvent.ActorType.SYSTEM, List.of(), List.of(), List.of(), "system"),
                new AuditEvent.Operation(end ? "auth:unblock" : "auth:block", "blocking", "block", block.id().toString(), null),
                new AuditEvent.Outcome(AuditEvent.Result.SUCCEEDED, 200, null), null,
                new AuditEvent.Request(end ? "UNBLOCK" : "BLOCK", "/admin/v1/blocks/" + block.id(),
                        block.subject().isSource() ? block.subject().value() : null, null),
                Details.of(details), Severity.SECURITY, null);
    }

    private static void ended(ObjectNode details, Block block) {
        details.put("ended_at", block.endedAt().orElseThrow().toString());
        details.put("end_reason", block.endReason().orElse("expired"));
        block.liftedBy().ifPresent(operator -> details.put("lifted_by", operator));
    }

    @Override
    public void close() {
        schedule.shutdownNow();
    }
}
