package io.timestore.server.blocking;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.ServerCluster;
import io.timestore.server.testing.SharedPostgres;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two server processes over one database: failures counted on both add up, and the blocks they
 * start hold on both, each with exactly one {@code auth:block} event (docs/security.md, "Automatic
 * blocking", "Several instances").
 */
class TwoInstanceBlockingTest {
    private static final int THRESHOLD = 4;
    private static SharedPostgres postgres;

    @RegisterExtension
    static final BeforeAllCallback shared = context -> postgres = SharedPostgres.in(context);

    @Test
    void failures_spread_over_two_instances_block_the_source_and_the_credential_on_both_with_one_event_per_block() throws Exception {
        var database = postgres.createDatabase("TwoInstanceBlocking");
        try (var superuser = postgres.superuser(database); var statement = superuser.createStatement()) {
            statement.execute("INSERT INTO tenants (id, name, created_by, updated_by) VALUES ('acme', 'Acme', 'test', 'test')");
        }
        // The test's requests all come from loopback; trusting it as a proxy lets them fail from other addresses.
        var config = "server:\n  trusted-proxies: [\"127.0.0.1\", \"::1\"]\n";
        try (var servers = ServerCluster.on(postgres, database, 2, config, Map.of(
                "TIMESTORE_AUTH_BLOCKING_THRESHOLD", Integer.toString(THRESHOLD),
                "TIMESTORE_AUTH_BLOCKING_WINDOW", "5m",
                "TIMESTORE_AUTH_BLOCKING_DURATION", "10m",
                "TIMESTORE_AUTH_BLOCKING_CACHE_TTL", "200ms"))) {
            var admin = "Bearer " + servers.tokens().user("acme", "tenant-admin");
            var created = servers.api(0).postJson("/admin/v1/tokens", """
                    {"name": "t", "permissions": [{"action": "dataset:read"}], "expires_at": "%s"}
                    """.formatted(Instant.now().plus(Duration.ofDays(1))), "Authorization", admin);
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            var token = created.json().get("token").asText();
            var wrong = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");
            var attacker = "203.0.113.1";

            // Half the failures on each instance: neither alone saw the threshold.
            for (int i = 0; i < THRESHOLD; i++) {
                assertThat(read(servers, i % 2, wrong, attacker).statusCode()).isEqualTo(401);
            }

            for (int instance = 0; instance < 2; instance++) {
                int on = instance;
                // The credential, from an address that never failed.
                Await.until("instance " + on + " refuses the blocked token", Duration.ofSeconds(10),
                        () -> read(servers, on, token, "203.0.113.2").statusCode() == 429);
                // The source, with a credential that never failed.
                Await.until("instance " + on + " refuses the blocked source", Duration.ofSeconds(10),
                        () -> servers.api(on).get("/storage/v1/datasets", "Authorization", admin, "X-Forwarded-For", attacker)
                                .statusCode() == 429);
                var refused = read(servers, on, token, "203.0.113.3");
                assertThat(refused.statusCode()).isEqualTo(429);
                assertThat(refused.json().get("code").asText()).isEqualTo("blocked");
                assertThat(refused.header("Retry-After")).isNotNull();
            }
            assertThat(blockStarts(database)).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                    "api_token " + token.substring(4, token.indexOf('_', 4)), 1,
                    "source " + attacker, 1)));
        }
    }

    private static ApiResponse read(ServerCluster servers, int instance, String apiToken, String source) {
        return servers.api(instance).get("/storage/v1/datasets", "Authorization", "Bearer " + apiToken, "X-Forwarded-For", source);
    }

    /** The auth:block events of the platform partition, counted by subject. */
    private static Map<String, Integer> blockStarts(String database) throws SQLException {
        var counts = new TreeMap<String, Integer>();
        try (var superuser = postgres.superuser(database);
             var rows = superuser.createStatement().executeQuery("""
                     SELECT event->'details'->>'subject_kind', event->'details'->>'subject', count(*) FROM audit_events
                     WHERE tenant_id = '_platform' AND event->'operation'->>'action' = 'auth:block' GROUP BY 1, 2""")) {
            while (rows.next()) {
                counts.put(rows.getString(1) + " " + rows.getString(2), rows.getInt(3));
            }
        }
        return counts;
    }
}
