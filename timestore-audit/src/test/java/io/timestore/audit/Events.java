package io.timestore.audit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent.Actor;
import io.timestore.audit.AuditEvent.ActorType;
import io.timestore.audit.AuditEvent.Operation;
import io.timestore.audit.AuditEvent.Outcome;
import io.timestore.audit.AuditEvent.Request;
import io.timestore.audit.AuditEvent.Revision;
import io.timestore.audit.chain.Chain;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Test events: realistic, distinct per index, unsealed. */
final class Events {
    static final Instant T0 = Instant.parse("2025-03-01T12:00:00.123456Z");

    private Events() {}

    static AuditEvent event(String tenant, int i) {
        ObjectNode details = JsonNodeFactory.instance.objectNode().put("points", 100 + i).put("series", 3);
        details.putObject("tags").put("host", "h" + i);
        return new AuditEvent(
                EventIds.forRequest(tenant, "req-" + i),
                tenant,
                T0.plusMillis(i),
                "req-" + i,
                "4bf92f3577b34da6a3ce929d0e0e4736",
                new Actor("user-" + (i % 3), ActorType.USER, List.of("writer"), List.of("timestore.write"), List.of("ops"), "jwt"),
                new Operation("dataset:write", "points", "dataset", "cpu", "cpu"),
                Outcome.succeeded(204),
                i % 5 == 0 ? new Revision(Integer.toString(i), Integer.toString(i + 1)) : null,
                new Request("POST", "/storage/v1/datasets/cpu/points", "10.0.0." + (i % 250), "curl/8.5.0"),
                Details.of(details),
                Severity.INFO,
                null);
    }

    static List<AuditEvent> events(String tenant, int count) {
        List<AuditEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(event(tenant, i));
        }
        return events;
    }

    static List<AuditEvent> sealed(String tenant, int count) {
        return new Chain().seal(ChainHead.genesis(tenant), events(tenant, count)).events();
    }
}
