package io.timestore.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Await;
import io.timestore.server.testing.ServerCluster;
import io.timestore.server.testing.SharedPostgres;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two server processes over one database (docs/security.md, "Rate limits and quotas", "Several
 * instances"): an operator's override set through one instance binds the other long before its
 * cached copy would expire (the tenant change notification), and the series quota holds across
 * both instances when writes race on them.
 */
class TwoInstanceLimitsTest {
    private static SharedPostgres postgres;

    @RegisterExtension
    static final BeforeAllCallback shared = context -> postgres = SharedPostgres.in(context);

    @Test
    void an_override_set_on_one_instance_binds_the_other_at_once_and_the_series_quota_holds_across_both() throws Exception {
        var database = postgres.createDatabase("TwoInstanceLimits");
        try (var superuser = postgres.superuser(database); var statement = superuser.createStatement()) {
            statement.execute("INSERT INTO tenants (id, name, created_by, updated_by) VALUES ('acme', 'Acme', 'test', 'test')");
        }
        // Cached limits trusted for 5 minutes: only the notification can make the override bind in time.
        try (var servers = ServerCluster.on(postgres, database, 2, "limits:\n  cache-ttl: 5m\n", Map.of())) {
            var reader = "Bearer " + servers.tokens().user("acme", "reader");
            var operator = "Bearer " + servers.tokens().platformOperator();
            // Instance 1 caches acme's limits: unlimited.
            assertThat(servers.api(1).get("/storage/v1/datasets", "Authorization", reader).statusCode()).isEqualTo(200);

            var set = servers.api(0).send(servers.api(0).request("/admin/v1/tenants/acme/limits", "Authorization", operator)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"tenant_requests_per_second\": 1, \"max_series\": 3}")).build());
            assertThat(set.statusCode()).as(set.body()).isEqualTo(200);

            // One request per second at most: instance 1 refuses the second of two quick requests once it has heard.
            Await.until("instance 1 applies the override set on instance 0", Duration.ofSeconds(20), () -> {
                servers.api(1).get("/storage/v1/datasets", "Authorization", reader);
                var second = servers.api(1).get("/storage/v1/datasets", "Authorization", reader);
                return second.statusCode() == 429 && second.json().get("limit").asText().equals("tenant_requests");
            });

            // Lift the request rate (keep the quota), then race eight new series over both instances.
            var rateLifted = servers.api(1).send(servers.api(1).request("/admin/v1/tenants/acme/limits", "Authorization", operator)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"max_series\": 3}")).build());
            assertThat(rateLifted.statusCode()).as(rateLifted.body()).isEqualTo(200);
            var admin = "Bearer " + servers.tokens().user("acme", "tenant-admin");
            Await.until("both instances admit acme's requests again", Duration.ofSeconds(20), () -> {
                var created = servers.api(0).postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}", "Authorization", admin);
                return (created.statusCode() == 201 || created.statusCode() == 409)
                        && servers.api(1).get("/storage/v1/datasets", "Authorization", reader).statusCode() == 200
                        && servers.api(1).get("/storage/v1/datasets", "Authorization", reader).statusCode() == 200;
            });
            var writer = "Bearer " + servers.tokens().user("acme", "writer");
            int writers = 8;
            var start = new CountDownLatch(1);
            var statuses = new ArrayList<CompletableFuture<Integer>>();
            try (var pool = Executors.newFixedThreadPool(writers)) {
                for (int w = 0; w < writers; w++) {
                    int instance = w % 2;
                    var body = "{\"points\": [{\"measurement\": \"m\", \"tags\": {\"host\": \"h%d\"}, \"time\": 1, \"fields\": {\"v\": 1}}]}"
                            .formatted(w);
                    statuses.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            start.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return servers.api(instance).postJson("/storage/v1/datasets/cpu/points", body, "Authorization", writer)
                                .statusCode();
                    }, pool));
                }
                start.countDown();
            }
            var answered = statuses.stream().map(CompletableFuture::join).collect(Collectors.groupingBy(s -> s, Collectors.counting()));
            assertThat(answered).containsEntry(204, 3L).containsEntry(429, 5L);
            try (var superuser = postgres.superuser(database);
                 var rows = superuser.createStatement().executeQuery("SELECT count(*) FROM series WHERE tenant_id = 'acme'")) {
                rows.next();
                assertThat(rows.getLong(1)).isEqualTo(3);
            }
        }
    }
}
