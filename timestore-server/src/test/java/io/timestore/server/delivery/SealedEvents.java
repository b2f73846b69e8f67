package io.timestore.server.delivery;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditEvent.Actor;
import io.timestore.audit.AuditEvent.ActorType;
import io.timestore.audit.AuditEvent.Operation;
import io.timestore.audit.AuditEvent.Outcome;
import io.timestore.audit.AuditEvent.Request;
import io.timestore.audit.AuditJson;
import io.timestore.audit.ChainHead;
import io.timestore.audit.Details;
import io.timestore.audit.EventIds;
import io.timestore.audit.Severity;
import io.timestore.audit.chain.Chain;
import io.timestore.audit.delivery.SealedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Sealed events of one partition, as the sequencer would seal them (seq 1..count, chained) and as
 * delivery reads them from the trail: each with its stored text in the writer's form, which the
 * {@code timestore} format sends as it is.
 */
public final class SealedEvents {
    private SealedEvents() {}

    private static final AuditJson JSON = new AuditJson();

    public static List<SealedEvent> of(String partition, int count) {
        return of(partition, count, i -> Details.empty());
    }

    /** As {@link #of(String, int)}, event {@code i} (from 0) with {@code details.apply(i)}. */
    public static List<SealedEvent> of(String partition, int count, IntFunction<Details> details) {
        var events = new ArrayList<AuditEvent>();
        for (int i = 0; i < count; i++) {
            events.add(new AuditEvent(EventIds.forRequest(partition, "req-" + i), partition,
                    Instant.parse("2026-12-03T07:00:00Z").plusMillis(i), "req-" + i, null,
                    new Actor("user-" + i, ActorType.USER, List.of("writer"), List.of(), List.of(), "jwt"),
                    new Operation("dataset:write", "points", "dataset", "cpu", "cpu"), Outcome.succeeded(204), null,
                    new Request("POST", "/storage/v1/datasets/cpu/points", "203.0.113.9", null), details.apply(i),
                    Severity.INFO, null));
        }
        return new Chain().seal(ChainHead.genesis(partition), events).events().stream()
                .map(e -> SealedEvent.read(partition, e.eventId(), e.seal(), JSON.write(e.withSeal(null)).getBytes(StandardCharsets.UTF_8), false))
                .toList();
    }
}
