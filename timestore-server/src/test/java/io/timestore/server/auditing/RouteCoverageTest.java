package io.timestore.server.auditing;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.http.Routes;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * G3 for every endpoint the server answers, read back from its HTTP router rather than listed by
 * hand: each is called as several kinds of caller, and every call must leave exactly one audit
 * event. A new route is covered the moment it is served, including one added around
 * {@code Routes} (which would skip the audit step and so fail here); an operational route must be
 * one of the fixed exempt paths and must leave none.
 */
class RouteCoverageTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme");
        audit = new AuditLog(server);
    }

    private static List<String[]> callers() {
        return List.of(
                new String[0],
                new String[] {"Authorization", "Bearer " + server.tokens().user("acme", "reader")},
                new String[] {"Authorization", "Bearer " + server.tokens().user("acme", "tenant-admin")},
                new String[] {"Authorization", "Bearer " + server.tokens().platformOperator(), "X-Tenant-ID", "acme"},
                new String[] {"Authorization", "Token tsk_" + "0".repeat(24) + "_" + "A".repeat(43)});
    }

    @Test
    void every_served_route_leaves_exactly_one_audit_event_per_call_whatever_the_caller() {
        var routes = server.timestore().servedRoutes();
        assertThat(routes).as("the router serves every registered route")
                .containsAll(server.timestore().routes());
        for (var route : routes) {
            var path = route.path().replaceAll("\\{[^}]+}", "x" + UUID.randomUUID().toString().substring(0, 8));
            for (var caller : callers()) {
                var requestId = "coverage-" + UUID.randomUUID();
                var headers = new java.util.ArrayList<>(List.of(caller));
                headers.addAll(List.of("X-Request-ID", requestId, "Content-Type", "application/json"));
                var body = route.method().equals("GET") || route.method().equals("DELETE") || route.method().equals("HEAD")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{}");
                var response = server.api().send(server.api().request(path, headers.toArray(String[]::new))
                        .method(route.method(), body).build());
                if (route.operational()) {
                    assertThat(Routes.OPERATIONAL_PATHS).contains(route.path());
                    assertThat(audit.eventsFor(requestId)).as("%s %s is exempt", route.method(), route.path()).isEmpty();
                } else {
                    assertThat(audit.eventsFor(requestId))
                            .as("%s %s answered %d", route.method(), path, response.statusCode())
                            .hasSize(1);
                }
            }
        }
    }

    @Test
    void the_operational_routes_are_exactly_the_exempt_list() {
        var operational = server.timestore().servedRoutes().stream().filter(r -> r.operational()).map(r -> r.path()).distinct().toList();

        assertThat(operational).containsExactlyInAnyOrderElementsOf(Routes.OPERATIONAL_PATHS);
    }

    @Test
    void requests_no_route_matches_are_audited_too() {
        for (var method : List.of("GET", "POST", "PUT", "DELETE")) {
            var requestId = "unmatched-" + UUID.randomUUID();
            server.api().send(server.api().request("/nowhere/" + method, "X-Request-ID", requestId)
                    .method(method, HttpRequest.BodyPublishers.noBody()).build());
            assertThat(audit.eventsFor(requestId)).as(method).hasSize(1);
        }
    }
}
