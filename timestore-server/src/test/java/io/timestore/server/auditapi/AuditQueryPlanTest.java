package io.timestore.server.auditapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.security.TenantId;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The audit route's queries are served by the (tenant_id, ...) indexes: with enough rows that the
 * planner has a real choice, no filtered page scans the events table sequentially.
 */
class AuditQueryPlanTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void manyEvents() throws SQLException {
        server.tenant("acme");
        try (var superuser = server.postgres().superuser(server.database()); var statement = superuser.createStatement()) {
            // 60,000 events over three tenants, shaped like real ones in the indexed columns.
            statement.execute("""
                    INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, actor_id, auth_method, action,
                                              component, resource_type, resource_id, dataset_id, result, status, severity, event)
                    SELECT tenant, id, at, 'req-' || i, 'user-' || (i % 50), 'jwt',
                           (ARRAY['dataset:read', 'dataset:write', 'token:manage'])[1 + i % 3],
                           (ARRAY['points', 'datasets', 'tokens', 'audit'])[1 + i % 4], 'dataset', 'ds-' || (i % 200),
                           'ds-' || (i % 200), (ARRAY['succeeded', 'failed', 'denied'])[1 + i % 3], 200, 'info',
                           jsonb_build_object('event_id', id, 'tenant_id', tenant, 'occurred_at', at, 'request_id', 'req-' || i)
                    FROM (SELECT i, (ARRAY['acme', 'globex', 'initech'])[1 + i % 3] AS tenant, gen_random_uuid() AS id,
                                 now() - make_interval(secs => i) AS at
                          FROM generate_series(1, 60000) AS i) generated
                    """);
            statement.execute("ANALYZE audit_events");
        }
    }

    private static String plan(EventFilter filter, Optional<AuditEventStore.Position> after) {
        return server.timestore().database().transactions().inTenant(new TenantId("acme"), connection -> {
            var query = new AuditEventStore().query(connection, List.of("acme"), filter, after, 101);
            try (var explain = connection.prepareStatement("EXPLAIN (FORMAT JSON) " + query.sql())) {
                for (int i = 0; i < query.parameters().size(); i++) {
                    explain.setObject(i + 1, query.parameters().get(i));
                }
                try (var rows = explain.executeQuery()) {
                    rows.next();
                    return rows.getString(1);
                }
            }
        });
    }

    private static EventFilter filter(Map<String, String> equals) {
        return new EventFilter(Optional.empty(), Optional.empty(), equals);
    }

    @Test
    void first_and_deep_pages_with_each_indexed_filter_use_an_index_not_a_sequential_scan() throws Exception {
        var deep = Optional.of(new AuditEventStore.Position(Instant.now().minusSeconds(30_000), UUID.randomUUID()));
        var cases = List.of(
                filter(Map.of()),
                filter(Map.of("actor_id", "user-7")),
                filter(Map.of("component", "tokens")),
                filter(Map.of("request_id", "req-42")),
                filter(Map.of("resource_id", "ds-17")),
                new EventFilter(Optional.of(Instant.now().minusSeconds(3_600)), Optional.of(Instant.now()), Map.of()));
        for (var filter : cases) {
            for (var after : List.of(Optional.<AuditEventStore.Position>empty(), deep)) {
                var plan = JSON.readTree(plan(filter, after));
                var eventScans = new java.util.ArrayList<String>();
                collectScans(plan, eventScans);
                assertThat(eventScans).as("scans of audit_events for %s after %s: %s", filter, after, plan)
                        .isNotEmpty()
                        .allSatisfy(scan -> assertThat(scan).isIn("Index Scan", "Index Only Scan", "Bitmap Heap Scan"));
            }
        }
    }

    @Test
    void paging_through_twenty_thousand_events_returns_each_once_newest_first() throws Exception {
        var auditor = io.timestore.server.testing.Tokens.bearer(server.tokens().user("acme", "auditor"));
        var ids = new java.util.HashSet<String>();
        var times = new java.util.ArrayList<Instant>();
        String cursor = null;
        int pages = 0;
        do {
            var page = server.api().get("/api/audit/v1alpha1/events?limit=1000"
                    + (cursor == null ? "" : "&cursor=" + cursor), auditor);
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            for (var event : page.json().get("items")) {
                if (event.path("request_id").asText().startsWith("req-")) {
                    assertThat(ids.add(event.get("event_id").asText())).as("each event once").isTrue();
                    times.add(Instant.parse(event.get("occurred_at").asText()));
                }
            }
            cursor = page.json().has("next_cursor") ? page.json().get("next_cursor").asText() : null;
            pages++;
        } while (cursor != null);

        // 60,000 generated events, a third of them acme's.
        assertThat(ids).hasSize(20_000);
        assertThat(times).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(pages).isGreaterThanOrEqualTo(20);
    }

    /** The node types of every scan of audit_events in an EXPLAIN (FORMAT JSON) tree. */
    private static void collectScans(com.fasterxml.jackson.databind.JsonNode node, List<String> scans) {
        if (node.isObject()) {
            if ("audit_events".equals(node.path("Relation Name").asText())) {
                scans.add(node.path("Node Type").asText());
            }
            node.forEach(child -> collectScans(child, scans));
        } else if (node.isArray()) {
            node.forEach(child -> collectScans(child, scans));
        }
    }
}
