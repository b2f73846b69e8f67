package io.timestore.server.delivery.streams;

import io.timestore.audit.delivery.DeliveryTarget;
import io.timestore.audit.delivery.DeliveryTargets;
import io.timestore.audit.delivery.format.EventEncoders;
import io.timestore.server.db.Transactions;
import io.timestore.server.delivery.webhook.WebhookClient;
import io.timestore.server.delivery.webhook.WebhookSink;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every tenant's active audit streams as delivery targets: one {@link WebhookSink} per stream,
 * receiving only its tenant's partition ({@link DeliveryTarget#onePartition}). Read on the platform
 * path ({@link Transactions#asPlatform}: the one explicit cross-tenant path the background jobs use)
 * and cached for {@link #REFRESH}, so a paused or deleted stream stops receiving within that time and
 * a new one starts. A sink is kept across refreshes while its stream is unchanged. Thread-safe.
 */
public final class TenantStreamTargets implements DeliveryTargets {
    /** How long one answer is reused: {@link #current} is called every delivery round. */
    public static final Duration REFRESH = Duration.ofSeconds(5);
    private static final Logger log = LoggerFactory.getLogger(TenantStreamTargets.class);

    private final Transactions transactions;
    private final AuditStreamStore store;
    private final WebhookClient client;
    private final InstantSource clock;
    private final Map<String, Built> sinks = new HashMap<>();
    private List<DeliveryTarget> cached = List.of();
    private Instant readAt = Instant.MIN;

    private record Built(AuditStream stream, WebhookSink sink) {}

    TenantStreamTargets(Transactions transactions, AuditStreamStore store, WebhookClient client, InstantSource clock) {
        this.transactions = transactions;
        this.store = store;
        this.client = client;
        this.clock = clock;
    }

    @Override
    public synchronized List<DeliveryTarget> current() {
        var now = clock.instant();
        if (now.isBefore(readAt.plus(REFRESH))) {
            return cached;
        }
        try {
            cached = build(transactions.asPlatform(connection -> {
                try (var statement = connection.prepareStatement(AuditStreamStore.ENABLED); var rows = statement.executeQuery()) {
                    var streams = new ArrayList<AuditStreamStore.Keyed>();
                    while (rows.next()) {
                        streams.add(store.keyed(rows));
                    }
                    return streams;
                }
            }));
            readAt = now;
        } catch (RuntimeException e) {
            // The database is down: keep feeding what we knew (the loop's reads fail as well meanwhile).
            log.atWarn().setCause(e).log("could not read the tenant audit streams; keeping the previous list");
        }
        return cached;
    }

    /** Forgets the cached answer, so the next {@link #current} reads the table (tests, and after a change here). */
    public synchronized void refreshNow() {
        readAt = Instant.MIN;
    }

    private List<DeliveryTarget> build(List<AuditStreamStore.Keyed> streams) {
        var targets = new ArrayList<DeliveryTarget>(streams.size());
        var seen = new HashMap<String, Built>();
        for (var keyed : streams) {
            var stream = keyed.stream();
            var built = sinks.get(stream.id());
            if (built == null || !built.stream().equals(stream)) {
                var encoder = EventEncoders.create(stream.format(), stream.cloudEvents(), EventEncoders.DEFAULT_SOURCE);
                try {
                    built = new Built(stream, new WebhookSink(stream.sinkName(), stream.url(), keyed.secret(), encoder, client,
                            false, clock));
                } catch (RuntimeException e) {
                    // A URL accepted under an earlier, looser policy: skip it rather than fail every stream.
                    log.atWarn().addKeyValue("stream", stream.id()).addKeyValue("tenant", stream.tenant())
                            .log("audit stream skipped: {}", e.getMessage());
                    continue;
                }
            }
            seen.put(stream.id(), built);
            targets.add(DeliveryTarget.onePartition(built.sink(), stream.tenant()));
        }
        sinks.clear();
        sinks.putAll(seen);
        return List.copyOf(targets);
    }
}
