package io.timestore.server.ops;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 8: after a scripted run (ingest, query, a denied and an unauthenticated request, an audit
 * read, a refresh report) the named metrics moved; and docs/operations.md lists exactly the
 * metric families that are scraped.
 */
class MetricsTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withTelemetry(s.telemetry().withPerTenantMetrics(true)));
    /** Families of bound libraries, documented as families rather than one by one. */
    private static final Pattern LIBRARY_FAMILIES = Pattern.compile("(jvm|process|system|hikaricp|application)_.*");
    /**
     * Documented families that appear only once their event happened (or only in a mode this
     * test does not run): they cannot be required in a scrape.
     */
    private static final Set<String> CONDITIONAL = Set.of(
            "timestore_http_protocol_errors_total", "timestore_legacy_requests_total",
            // Only with TLS on the listener.
            "timestore_tls_certificate_expiry_timestamp_seconds", "timestore_tls_reloads_total",
            // Per audit sink: appear once a sink is configured (this server has none).
            "timestore_audit_delivery_batch_duration_seconds", "timestore_audit_delivery_delivered_total",
            "timestore_audit_delivery_errors_total", "timestore_audit_delivery_failures_total",
            "timestore_audit_delivery_lag_events", "timestore_audit_delivery_lag_seconds", "timestore_audit_delivery_parked",
            "timestore_audit_delivery_skipped_total",
            // Appear with the first block, refused request or row-level security anomaly (this
            // test server runs with automatic blocking off and causes no anomaly).
            "timestore_auth_blocks_started_total", "timestore_auth_blocks_ended_total", "timestore_auth_blocked_requests_total",
            "timestore_rls_anomalies_total",
            // With per-tenant metrics (as here) it carries the tenant, so it appears with the first
            // refusal by a rate limit or quota; without them it is there from the start.
            "timestore_rate_limited_total");
    private static Map<String, Double> before;
    private static Map<String, Double> after;
    private static String scrape;

    @BeforeAll
    static void scripted_run() {
        server.tenant("acme");
        before = samples(server.api().get("/metrics").body());
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}", admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var written = server.api().postJson("/storage/v1/datasets/cpu/points", """
                {"points": [
                  {"measurement": "m", "tags": {"host": "h1"}, "time": 1700000000000000000, "fields": {"v": 1.0}},
                  {"measurement": "m", "tags": {"host": "h1"}, "time": 1700000001000000000, "fields": {"v": 2.0}},
                  {"measurement": "m", "tags": {"host": "h2"}, "time": 1700000002000000000, "fields": {"v": 3.0}}
                ]}
                """, bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        assertThat(server.api().postJson("/storage/v1/datasets", "{\"id\": \"gone\"}", admin).statusCode()).isEqualTo(201);
        assertThat(server.api().method("DELETE", "/storage/v1/datasets/gone", admin).statusCode()).isEqualTo(204);
        var reader = bearer(server.tokens().user("acme", "reader"));
        assertThat(server.api().get("/storage/v1/datasets/cpu/query?measurement=m", reader).statusCode()).isEqualTo(200);
        assertThat(server.api().get("/storage/v1/datasets/cpu/query?measurement=m&start=1700000000000000000&end=1700000010000000000&step=1s&agg=avg",
                reader).statusCode()).isEqualTo(200);
        // The same token again: answered by the verified-token cache.
        assertThat(server.api().get("/storage/v1/datasets/cpu/series", reader).statusCode()).isEqualTo(200);
        var denied = server.api().postJson("/storage/v1/datasets/cpu/points", "{\"points\": []}", reader);
        assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
        assertThat(server.api().get("/storage/v1/datasets/cpu/query").statusCode()).isEqualTo(401);
        var refresh = server.api().postJson("/storage-internal/v1/datasets/cpu/refresh-state",
                "{\"run_id\": \"r1\", \"state\": \"succeeded\", \"watermark\": \"2023-11-14T22:13:20Z\"}",
                bearer(server.tokens().scoped("acme", "storage.write.refresh")));
        assertThat(refresh.statusCode()).as(refresh.body()).isEqualTo(201);
        var events = server.api().get("/api/audit/v1alpha1/events", bearer(server.tokens().user("acme", "auditor")));
        assertThat(events.statusCode()).as(events.body()).isEqualTo(200);
        server.timestore().sequencer().sealNow().join();
        Await.until("events sealed", Duration.ofSeconds(10), () -> value(samples(server.api().get("/metrics").body()),
                "timestore_audit_sealed_events_total{application=\"timestore\"}") >= 1);
        // One compaction pass for its metrics (the test server's compactor runs no passes of its own by default).
        assertThat(server.timestore().compactor().runOnce()).as("a compaction pass ran").isPresent();
        scrape = server.api().get("/metrics").body();
        after = samples(scrape);
    }

    @Test
    void http_metrics_use_route_templates_never_raw_paths() {
        assertThat(moved("timestore_http_server_requests_seconds_count{application=\"timestore\",component=\"storage\","
                + "method=\"POST\",route=\"/storage/v1/datasets/{dataset}/points\",status_class=\"2xx\"}")).isEqualTo(1);
        assertThat(scrape).doesNotContain("route=\"/storage/v1/datasets/cpu");
        assertThat(after).containsKey("timestore_http_server_requests_in_flight{application=\"timestore\"}");
    }

    @Test
    void authentication_failures_are_counted_by_method_and_reason_and_the_token_cache_is_used() {
        assertThat(moved("timestore_auth_failures_total{application=\"timestore\",method=\"none\",reason=\"credentials_missing\"}"))
                .isEqualTo(1);
        assertThat(moved("timestore_auth_token_cache_total{application=\"timestore\",result=\"hit\"}")).isGreaterThanOrEqualTo(1);
        assertThat(moved("timestore_auth_token_cache_total{application=\"timestore\",result=\"miss\"}")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void authorization_decisions_count_the_denial_and_each_decision_once_and_are_timed() {
        assertThat(moved("timestore_authz_decisions_total{action=\"dataset:write\",application=\"timestore\",result=\"denied\"}"))
                .isEqualTo(1);
        assertThat(moved("timestore_authz_decisions_total{action=\"dataset:write\",application=\"timestore\",result=\"allowed\"}"))
                .isEqualTo(1);
        assertThat(moved("timestore_authz_decision_duration_seconds_count{application=\"timestore\"}")).isGreaterThanOrEqualTo(5);
        assertThat(moved("timestore_authz_decisions_total{action=\"dataset:admin\",application=\"timestore\",result=\"allowed\"}"))
                .as("two creations and a deletion, one decision each").isEqualTo(3);
        assertThat(value(after, "timestore_authz_errors_total{application=\"timestore\"}")).isZero();
    }

    @Test
    void audit_metrics_show_every_event_durable_and_full_route_coverage() {
        assertThat(moved("timestore_audit_events_total{application=\"timestore\",result=\"succeeded\"}")).isGreaterThanOrEqualTo(6);
        assertThat(moved("timestore_audit_events_total{application=\"timestore\",result=\"denied\"}")).isEqualTo(2);
        assertThat(moved("timestore_audit_wait_seconds_count{application=\"timestore\"}")).isGreaterThanOrEqualTo(4);
        assertThat(moved("timestore_audit_group_commit_batch_size_count{application=\"timestore\"}")).isGreaterThanOrEqualTo(1);
        assertThat(value(after, "timestore_audit_route_coverage_ratio{application=\"timestore\"}")).isEqualTo(1.0);
        assertThat(value(after, "timestore_audit_write_failures_total{application=\"timestore\"}")).isZero();
        assertThat(value(after, "timestore_audit_seal_step_duration_seconds_count{application=\"timestore\"}"))
                .as("the sealing steps that sealed the events above are timed").isGreaterThanOrEqualTo(1);
        assertThat(after).containsKeys("timestore_audit_queue_depth{application=\"timestore\"}",
                "timestore_audit_redacted_total{application=\"timestore\"}",
                "timestore_audit_unsealed_events{application=\"timestore\"}",
                "timestore_audit_seal_lag_seconds{application=\"timestore\"}");
    }

    @Test
    void isolation_holds_so_no_statement_was_refused_by_row_level_security() {
        assertThat(value(after, "timestore_rls_violations_total{application=\"timestore\"}")).isZero();
    }

    @Test
    void data_plane_metrics_count_points_batches_queries_and_freshness() {
        assertThat(moved("timestore_points_ingested_total{application=\"timestore\",tenant=\"acme\"}")).isEqualTo(3);
        assertThat(moved("timestore_ingest_batch_size_count{application=\"timestore\"}")).isEqualTo(1);
        assertThat(moved("timestore_points_compaction_passes_total{application=\"timestore\"}")).isEqualTo(1);
        // The three points of 2023 (two series) are long past the compaction age.
        assertThat(moved("timestore_points_compaction_points_total{application=\"timestore\"}")).isEqualTo(3);
        assertThat(moved("timestore_points_compaction_chunks_total{application=\"timestore\"}")).isEqualTo(2);
        assertThat(moved("timestore_query_duration_seconds_count{application=\"timestore\",kind=\"raw\"}")).isEqualTo(1);
        assertThat(moved("timestore_query_duration_seconds_count{application=\"timestore\",kind=\"aggregate\"}")).isEqualTo(1);
        assertThat(value(after, "timestore_refresh_freshness_age_seconds{application=\"timestore\",dataset=\"cpu\",tenant=\"acme\"}"))
                .isGreaterThan(0);
    }

    @Test
    void operations_md_documents_exactly_the_metric_families_scraped() throws IOException {
        var documented = documentedFamilies();
        var scraped = new TreeSet<String>();
        for (var line : scrape.lines().toList()) {
            if (line.startsWith("# TYPE ")) {
                var name = line.split(" ")[2];
                if (!LIBRARY_FAMILIES.matcher(name).matches()) {
                    scraped.add(name);
                }
            }
        }

        // Micrometer's companion gauge of a histogram or summary is documented with its family.
        scraped.removeIf(name -> name.endsWith("_max") && scraped.contains(name.substring(0, name.length() - 4)));

        assertThat(scraped).as("scraped but not documented in docs/operations.md").isSubsetOf(documented);
        var required = new TreeSet<>(documented);
        required.removeAll(CONDITIONAL);
        assertThat(required).as("documented in docs/operations.md but not scraped").isSubsetOf(scraped);
    }

    /** The metric family names in the first column of the tables of docs/operations.md, e.g. | `timestore_x_total` |. */
    private static Set<String> documentedFamilies() throws IOException {
        var text = Files.readString(Path.of("..", "docs", "operations.md"));
        var names = new TreeSet<String>();
        var matcher = Pattern.compile("(?m)^\\| `(timestore_[a-z0-9_]+)` \\|").matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        assertThat(names).as("metric rows in docs/operations.md").isNotEmpty();
        return names;
    }

    private static double moved(String series) {
        return value(after, series) - value(before, series);
    }

    private static double value(Map<String, Double> samples, String series) {
        return samples.getOrDefault(series, 0.0);
    }

    private static Map<String, Double> samples(String exposition) {
        var samples = new TreeMap<String, Double>();
        for (var line : exposition.lines().toList()) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }
}
