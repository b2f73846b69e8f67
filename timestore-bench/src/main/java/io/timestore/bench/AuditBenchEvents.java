package io.timestore.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditEvent.Actor;
import io.timestore.audit.AuditEvent.ActorType;
import io.timestore.audit.AuditEvent.Operation;
import io.timestore.audit.AuditEvent.Outcome;
import io.timestore.audit.AuditEvent.Request;
import io.timestore.audit.Details;
import io.timestore.audit.EventIds;
import io.timestore.audit.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Realistic ingestion events (about 800 canonical bytes each) for the audit benchmarks. */
final class AuditBenchEvents {
    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00.123456Z");

    private AuditBenchEvents() {}

    static List<AuditEvent> events(String tenant, int count) {
        return events(tenant, 0, count);
    }

    /** Events {@code from} to {@code from + count - 1} of {@code tenant}'s sequence. */
    static List<AuditEvent> events(String tenant, int from, int count) {
        List<AuditEvent> events = new ArrayList<>(count);
        for (int i = from; i < from + count; i++) {
            var details = JsonNodeFactory.instance.objectNode().put("points", 1000 + i).put("series", 3)
                    .put("precision", "ns").put("duration_ms", 12.25);
            details.putObject("tags").put("host", "h" + (i % 50)).put("region", "eu-west-1");
            events.add(new AuditEvent(EventIds.forRequest(tenant, "req-" + i), tenant, T0.plusMillis(i), "req-" + i,
                    "4bf92f3577b34da6a3ce929d0e0e4736",
                    new Actor("user-" + (i % 7) + "@example.com", ActorType.USER, List.of("writer"), List.of("timestore.write"),
                            List.of("sre"), "jwt"),
                    new Operation("dataset:write", "points", "dataset", "cpu", "cpu"), Outcome.succeeded(204), null,
                    new Request("POST", "/storage/v1/datasets/cpu/points", "203.0.113." + (i % 250), "timestore-agent/1.4"),
                    Details.of(details), Severity.INFO, null));
        }
        return events;
    }
}
