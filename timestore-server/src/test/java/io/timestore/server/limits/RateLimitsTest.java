package io.timestore.server.limits;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.config.LimitSettings;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.threeten.extra.MutableClock;

/**
 * Rate limits and quotas over real HTTP (docs/security.md, "Rate limits and quotas"): a tenant
 * over its request rate, a credential over its own, a tenant over its points per second and its
 * series quota get 429 naming the limit, audited once and having changed nothing; buckets refill
 * with time (a pinned clock, moved by the test); an operator's override takes effect at once.
 * The server's configured default is 5 requests per second per tenant (burst 5); every other
 * limit is unlimited unless a test's tenant overrides it.
 */
class RateLimitsTest {
    private static final MutableClock clock = MutableClock.of(Instant.now().truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC);

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withClock(clock)
            .with(settings -> settings.withLimits(LimitSettings.defaults().withTenantRequests(new LimitSettings.Rate(5, 5))));

    @Test
    void a_tenant_over_its_request_rate_gets_429_rate_limited_naming_the_limit_audited_once_until_the_bucket_refills() {
        server.tenant("rl-tenant");
        // Two credentials of the tenant share its bucket of 5.
        for (int i = 0; i < 5; i++) {
            assertThat(list("rl-tenant", i % 2 == 0 ? "reader" : "writer").statusCode()).isEqualTo(200);
        }

        var refused = list("rl-tenant", "reader");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.contentType()).isEqualTo("application/problem+json");
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        var problem = refused.json();
        assertThat(problem.get("code").asText()).isEqualTo("rate_limited");
        assertThat(problem.get("limit").asText()).isEqualTo("tenant_requests");
        assertThat(problem.get("limit_value").asLong()).isEqualTo(5);
        assertThat(problem.get("limit_burst").asLong()).isEqualTo(5);
        var events = new AuditLog(server).eventsFor(refused.requestId());
        assertThat(events).hasSize(1);
        var event = events.getFirst();
        assertThat(event.get("tenant_id").asText()).isEqualTo("rl-tenant");
        assertThat(event.at("/outcome/status").asInt()).isEqualTo(429);
        assertThat(event.at("/outcome/error/code").asText()).isEqualTo("rate_limited");
        assertThat(event.at("/actor/id").asText()).isEqualTo("user-reader@rl-tenant");
        // Counted by limit (this server has no per-tenant metrics, so no tenant label).
        assertThat(server.api().get("/metrics").body().lines()
                .filter(line -> line.startsWith("timestore_rate_limited_total{") && line.contains("limit=\"tenant_requests\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))))
                .singleElement().satisfies(count -> assertThat(count).isGreaterThanOrEqualTo(1.0));

        clock.add(Duration.ofMillis(200)); // one request's worth at 5 per second
        assertThat(list("rl-tenant", "writer").statusCode()).isEqualTo(200);
        assertThat(list("rl-tenant", "writer").statusCode()).isEqualTo(429);
        clock.add(Duration.ofSeconds(1));
        for (int i = 0; i < 5; i++) {
            assertThat(list("rl-tenant", "reader").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void a_credential_over_its_own_rate_is_refused_while_other_credentials_of_the_tenant_go_on() {
        server.tenant("rl-cred");
        override("rl-cred", """
                {"tenant_requests_per_second": 0, "credential_requests_per_second": 2, "credential_request_burst": 2}""");
        assertThat(list("rl-cred", "reader").statusCode()).isEqualTo(200);
        assertThat(list("rl-cred", "reader").statusCode()).isEqualTo(200);

        var refused = list("rl-cred", "reader");
        var other = list("rl-cred", "writer");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.json().get("limit").asText()).isEqualTo("credential_requests");
        assertThat(refused.json().get("limit_value").asLong()).isEqualTo(2);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
        // The tenant's own rate is unlimited by the override (0), though the default is 5: six
        // more credentials (each its own subject) are all admitted.
        for (int i = 0; i < 6; i++) {
            var token = server.tokens().user("rl-cred", "reader", "extra" + i);
            assertThat(server.api().get("/storage/v1/datasets", bearer(token)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void a_tenant_over_its_points_per_second_is_refused_and_a_batch_larger_than_the_burst_runs_into_debt() {
        server.tenant("rl-points");
        override("rl-points", """
                {"tenant_requests_per_second": 0, "points_per_second": 10, "points_burst": 10}""");
        dataset("rl-points");
        assertThat(write("rl-points", points(0, 6, 1)).statusCode()).isEqualTo(204);

        var refused = write("rl-points", points(100, 6, 1));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.json().get("code").asText()).isEqualTo("rate_limited");
        assertThat(refused.json().get("limit").asText()).isEqualTo("tenant_points");
        assertThat(refused.json().get("limit_value").asLong()).isEqualTo(10);
        assertThat(refused.header("Retry-After")).isEqualTo("1"); // 2 points short at 10 per second
        assertThat(storedPoints("rl-points")).isEqualTo(6);
        assertThat(new AuditLog(server).eventsFor(refused.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/error/code").asText()).isEqualTo("rate_limited"));

        clock.add(Duration.ofSeconds(1)); // full again: 10
        assertThat(write("rl-points", points(200, 25, 1)).statusCode()).isEqualTo(204); // larger than the burst: -15
        var inDebt = write("rl-points", points(300, 1, 1));
        assertThat(inDebt.statusCode()).isEqualTo(429);
        assertThat(inDebt.header("Retry-After")).isEqualTo("2"); // 16 points short at 10 per second
        clock.add(Duration.ofSeconds(2));
        assertThat(write("rl-points", points(300, 1, 1)).statusCode()).isEqualTo(204);
        assertThat(storedPoints("rl-points")).isEqualTo(32);
    }

    @Test
    void a_write_that_would_exceed_the_series_quota_is_refused_whole_and_one_within_it_passes() {
        server.tenant("rl-series");
        override("rl-series", """
                {"tenant_requests_per_second": 0, "max_series": 3}""");
        dataset("rl-series");
        assertThat(write("rl-series", points(0, 2, 2)).statusCode()).isEqualTo(204); // hosts h0, h1

        var refused = write("rl-series", points(10, 4, 4)); // h0, h1 stored; h2, h3 would be new

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        var problem = refused.json();
        assertThat(problem.get("code").asText()).isEqualTo("quota_exceeded");
        assertThat(problem.get("limit").asText()).isEqualTo("tenant_series");
        assertThat(problem.get("limit_value").asLong()).isEqualTo(3);
        assertThat(refused.header("Retry-After")).as("a quota does not refill: back off an hour").isEqualTo("3600");
        assertThat(storedSeries("rl-series")).isEqualTo(2);
        assertThat(storedPoints("rl-series")).isEqualTo(2);
        assertThat(new AuditLog(server).eventsFor(refused.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/outcome/error/code").asText()).isEqualTo("quota_exceeded"));

        assertThat(write("rl-series", points(20, 3, 3)).statusCode()).isEqualTo(204); // h2 only is new: 3 of 3
        assertThat(write("rl-series", points(30, 3, 3)).statusCode()).isEqualTo(204); // no new series at the quota
        assertThat(storedSeries("rl-series")).isEqualTo(3);
        assertThat(write("rl-series", points(40, 4, 4)).statusCode()).isEqualTo(429); // h3 would be the 4th
    }

    @Test
    void concurrent_writes_racing_for_the_last_series_of_the_quota_never_exceed_it() throws Exception {
        server.tenant("rl-race");
        override("rl-race", """
                {"tenant_requests_per_second": 0, "max_series": 3}""");
        dataset("rl-race");
        int writers = 8;
        var start = new CountDownLatch(1);
        var statuses = new ArrayList<CompletableFuture<Integer>>();
        try (var pool = Executors.newFixedThreadPool(writers)) {
            for (int w = 0; w < writers; w++) {
                var host = "racer" + w;
                statuses.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return write("rl-race", "{\"points\": [" + point(host, 0) + "]}").statusCode();
                }, pool));
            }
            start.countDown();
        }

        var answered = statuses.stream().map(CompletableFuture::join).collect(Collectors.groupingBy(s -> s, Collectors.counting()));
        assertThat(answered).containsEntry(204, 3L).containsEntry(429, (long) writers - 3);
        assertThat(storedSeries("rl-race")).isEqualTo(3);
    }

    @Test
    void an_operator_override_takes_effect_at_once_is_audited_and_removing_it_restores_the_default() {
        server.tenant("rl-override");
        var before = server.api().get("/admin/v1/tenants/rl-override/limits", operator());
        assertThat(before.statusCode()).as(before.body()).isEqualTo(200);
        assertThat(before.json().get("overrides").size()).isZero();
        assertThat(before.json().at("/effective/tenant_requests_per_second").asLong()).isEqualTo(5);

        var set = override("rl-override", """
                {"tenant_requests_per_second": 1, "tenant_request_burst": 1}""");

        assertThat(set.json().at("/overrides/tenant_requests_per_second").asLong()).isEqualTo(1);
        assertThat(set.json().at("/effective/tenant_requests_per_second").asLong()).isEqualTo(1);
        assertThat(set.json().get("updated_by").asText()).isEqualTo("operator");
        var changed = new AuditLog(server).eventsFor(set.requestId());
        assertThat(changed).singleElement().satisfies(event -> {
            assertThat(event.get("tenant_id").asText()).isEqualTo("_platform");
            assertThat(event.at("/operation/component").asText()).isEqualTo("limits");
            assertThat(event.at("/operation/resource_id").asText()).isEqualTo("rl-override");
            assertThat(event.at("/details/tenant_request_burst").asLong()).isEqualTo(1);
        });
        assertThat(list("rl-override", "reader").statusCode()).isEqualTo(200);
        var refused = list("rl-override", "reader");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.json().get("limit_value").asLong()).isEqualTo(1);

        var removed = server.api().method("DELETE", "/admin/v1/tenants/rl-override/limits", operator());

        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(204);
        assertThat(new AuditLog(server).eventsFor(removed.requestId())).hasSize(1);
        for (int i = 0; i < 5; i++) {
            assertThat(list("rl-override", "reader").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void overrides_are_validated_reserved_to_platform_operators_and_need_an_existing_tenant() {
        server.tenant("rl-admin");
        var bad = put("rl-admin", """
                {"max_series": -1, "points_per_second": 1.5, "tenant_request_burst": "10", "requests": 3}""", operator());
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(bad.json().get("errors").findValuesAsText("pointer"))
                .containsExactlyInAnyOrder("/max_series", "/points_per_second", "/tenant_request_burst", "/requests");
        assertThat(server.api().get("/admin/v1/tenants/rl-admin/limits", operator()).json().get("overrides").size()).isZero();

        var tenantAdmin = put("rl-admin", "{\"max_series\": 1000000}", bearer(server.tokens().user("rl-admin", "tenant-admin")));
        assertThat(tenantAdmin.statusCode()).as(tenantAdmin.body()).isEqualTo(403);

        var unknown = put("rl-nosuch", "{\"max_series\": 1}", operator());
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
    }

    private static ApiResponse list(String tenant, String role) {
        return server.api().get("/storage/v1/datasets", bearer(server.tokens().user(tenant, role)));
    }

    private static ApiResponse override(String tenant, String json) {
        var response = put(tenant, json, operator());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response;
    }

    private static ApiResponse put(String tenant, String json, String... headers) {
        var request = server.api().request("/admin/v1/tenants/%s/limits".formatted(tenant), headers)
                .header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(json)).build();
        return server.api().send(request);
    }

    private static void dataset(String tenant) {
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}", bearer(server.tokens().user(tenant, "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    /** {@code count} points of one field each, at times {@code from, from + 1, ...}, over the hosts (series) {@code h0 .. h(hosts - 1)}. */
    private static String points(int from, int count, int hosts) {
        return IntStream.range(0, count)
                .mapToObj(i -> point("h" + i % hosts, from + i))
                .collect(Collectors.joining(", ", "{\"points\": [", "]}"));
    }

    private static String point(String host, int time) {
        return "{\"measurement\": \"m\", \"tags\": {\"host\": \"%s\"}, \"time\": %d, \"fields\": {\"v\": 1}}"
                .formatted(host, 1_700_000_000_000_000_000L + time);
    }

    private static ApiResponse write(String tenant, String json) {
        return server.api().postJson("/storage/v1/datasets/cpu/points", json, bearer(server.tokens().user(tenant, "writer")));
    }

    private static String[] operator() {
        return bearer(server.tokens().platformOperator());
    }

    private static long storedPoints(String tenant) {
        return count("SELECT count(*) FROM points WHERE tenant_id = ?", tenant);
    }

    private static long storedSeries(String tenant) {
        return count("SELECT count(*) FROM series WHERE tenant_id = ?", tenant);
    }

    private static long count(String sql, String tenant) {
        try (var connection = server.postgres().superuser(server.database());
             var statement = connection.prepareStatement(sql)) {
            statement.setString(1, tenant);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
