package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.security.TenantId;
import io.timestore.server.db.TenantWork;
import io.timestore.server.ingest.PointsStore;
import io.timestore.server.testing.TimestoreServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A query's tag filter finds its series through series_tags' index under row-level security (V16),
 * instead of comparing the tags of every series of the dataset, and a write finds each series key
 * through the key digest index (V19): with thousands of series, as the runtime role in a tenant
 * transaction, exactly as the routes run them.
 */
class SeriesQueryPlanTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HOSTS = 3_000;
    private static String probePlanBeforeAnalyze;

    @BeforeAll
    static void manySeries() throws SQLException {
        try (var superuser = server.postgres().superuser(server.database()); var statement = superuser.createStatement()) {
            // The first probe plan below must be made without statistics: no analysis behind our back.
            statement.execute("ALTER TABLE series SET (autovacuum_enabled = false)");
        }
        server.tenant("acme");
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        assertThat(server.api().postJson("/storage/v1/datasets", "{\"id\": \"fleet\"}", admin).statusCode()).isEqualTo(201);
        var lines = new StringBuilder();
        for (int host = 0; host < HOSTS; host++) {
            lines.append("cpu,host=h").append(host).append(",region=r").append(host % 3).append(" usage=1 1000\n");
        }
        var written = server.api().send(server.api().request("/api/v2/write?org=acme&bucket=fleet&precision=ns",
                        bearer(server.tokens().user("acme", "writer")))
                .POST(HttpRequest.BodyPublishers.ofString(lines.toString())).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        probePlanBeforeAnalyze = seriesProbePlan(false);
        try (var superuser = server.postgres().superuser(server.database()); var statement = superuser.createStatement()) {
            statement.execute("ANALYZE series");
            statement.execute("ANALYZE series_tags");
        }
    }

    private static SeriesFilter tags(Map<String, String> tags) {
        return new SeriesFilter(Optional.of("cpu"), Optional.of("usage"), tags);
    }

    private static <T> T inAcme(TenantWork<T> work) {
        return server.timestore().database().transactions().inTenant(new TenantId("acme"), work);
    }

    @Test
    void the_write_path_records_every_tag_of_every_new_series() throws SQLException {
        try (var superuser = server.postgres().superuser(server.database());
             var rows = superuser.createStatement().executeQuery(
                     "SELECT count(*) FROM series_tags WHERE tenant_id = 'acme' AND dataset_id = 'fleet'")) {
            rows.next();
            assertThat(rows.getLong(1)).isEqualTo(2L * HOSTS);
        }
    }

    @Test
    void a_series_inserted_by_any_writer_gets_its_tag_rows_from_the_trigger() {
        // As an older server instance without series_tags would insert it, during an upgrade.
        inAcme(connection -> {
            try (var insert = connection.prepareStatement("""
                    INSERT INTO series (tenant_id, dataset_id, measurement, tags, field, type)
                    VALUES ('acme', 'fleet', 'mem', '{"host": "x1", "rack": "r9"}', 'used', 'float')
                    """)) {
                return insert.executeUpdate();
            }
        });

        var found = inAcme(connection -> new QueryStore().series(connection, new TenantId("acme"), "fleet",
                new SeriesFilter(Optional.empty(), Optional.empty(), Map.of("rack", "r9")), false, 10));

        assertThat(found).singleElement().satisfies(s -> assertThat(s.measurement()).isEqualTo("mem"));
    }

    @Test
    void a_tag_filter_selects_exactly_the_matching_series() {
        var store = new QueryStore();
        var one = inAcme(connection -> store.series(connection, new TenantId("acme"), "fleet", tags(Map.of("host", "h17")), false, 10));
        var region = inAcme(connection -> store.series(connection, new TenantId("acme"), "fleet",
                tags(Map.of("region", "r1", "host", "h4")), false, 10));
        var none = inAcme(connection -> store.series(connection, new TenantId("acme"), "fleet",
                tags(Map.of("region", "r0", "host", "h4")), false, 10));

        assertThat(one).singleElement().satisfies(s -> assertThat(s.tags()).isEqualTo("{\"host\": \"h17\", \"region\": \"r2\"}"));
        assertThat(region).singleElement().satisfies(s -> assertThat(s.tags()).contains("\"h4\""));
        assertThat(none).isEmpty();
    }

    @Test
    void a_tag_filter_is_served_by_the_series_tags_index_not_by_reading_every_series() throws Exception {
        for (var filter : List.of(Map.of("host", "h17"), Map.of("host", "h17", "region", "r2"))) {
            String plan = inAcme(connection -> {
                try (var explain = new QueryStore().prepareSeries(connection, "EXPLAIN (FORMAT JSON) ", new TenantId("acme"), "fleet",
                        tags(filter), false, 10);
                     var rows = explain.executeQuery()) {
                    rows.next();
                    return rows.getString(1);
                }
            });
            var scans = new ArrayList<String>();
            collectScans(JSON.readTree(plan), scans);
            assertThat(scans).as(plan).anyMatch(scan -> scan.endsWith(":series_tags_by_digest"))
                    .noneMatch(scan -> scan.startsWith("Seq Scan:"));
        }
    }

    @Test
    void a_measurement_filter_is_served_by_the_measurement_digest_index() throws Exception {
        String plan = inAcme(connection -> {
            try (var explain = new QueryStore().prepareSeries(connection, "EXPLAIN (FORMAT JSON) ", new TenantId("acme"), "fleet",
                    new SeriesFilter(Optional.of("disk"), Optional.empty(), Map.of()), false, 10);
                 var rows = explain.executeQuery()) {
                rows.next();
                return rows.getString(1);
            }
        });
        var scans = new ArrayList<String>();
        collectScans(JSON.readTree(plan), scans);

        assertThat(scans).as(plan).anyMatch(scan -> scan.endsWith(":series:series_by_measurement_digest"))
                .noneMatch(scan -> scan.startsWith("Seq Scan:"));
    }

    @Test
    void reads_execute_on_generic_plans_instead_of_being_planned_again_for_every_request() {
        // As QueryService runs them: seven executions on one connection, the driver prepares the
        // statement on the server from the fifth; PostgreSQL would plan the first five custom.
        var store = new QueryStore();
        var range = new QueryStore.TimeRange(0, Long.MAX_VALUE);
        var plans = server.timestore().database().transactions().inTenantWithGenericPlans(new TenantId("acme"), connection -> {
            for (int i = 0; i < 7; i++) {
                store.raw(connection, new TenantId("acme"), "fleet", tags(Map.of("host", "h" + i)), range, 0, Long.MIN_VALUE, 10,
                        row -> true);
            }
            try (var rows = connection.createStatement().executeQuery(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%FROM series s%CROSS JOIN LATERAL (%'")) {
                assertThat(rows.next()).isTrue();
                return List.of(rows.getLong(1), rows.getLong(2));
            }
        });

        assertThat(plans.get(0)).as("generic plans").isPositive();
        assertThat(plans.get(1)).as("custom plans").isZero();
    }

    @Test
    void the_generic_plan_of_a_raw_read_finds_series_and_points_through_their_indexes() throws Exception {
        for (var entry : rawReads().entrySet()) {
            String plan = genericPlan(QueryStore.rawStatement(entry.getKey()), entry.getValue());
            var scans = new ArrayList<String>();
            collectScans(JSON.readTree(plan), scans);
            assertThat(plan).as("a generic plan shows its parameters").contains("$1");
            assertThat(scans).as(plan).anyMatch(scan -> scan.endsWith(":point_rows:point_rows_pkey"))
                    .noneMatch(scan -> scan.startsWith("Seq Scan:"));
        }
    }

    @Test
    void a_read_unnests_only_the_batch_rows_its_range_and_series_reach_through_the_time_index() throws Exception {
        // Issue #23: through the points view, the range bounded the unnested points, not the batch
        // rows, and a raw read's series condition did not reach the tables at all.
        var plans = new ArrayList<String>();
        for (var entry : rawReads().entrySet()) {
            plans.add(genericPlan(QueryStore.rawStatement(entry.getKey()), entry.getValue()));
        }
        var aggregate = new ArrayList<Object>(List.of("acme", "fleet", "{1,2,3}", 0L, 60_000_000_000L, 0L, 60_000_000_000L,
                "acme", "fleet", "{1,2,3}", 0L, 60_000_000_000L));
        aggregate.addAll(List.of(0L, 0L, 10_000_000_000L, 10_000_000_000L, 10_000_000_000L, 10_000_000_000L,
                "acme", "fleet", "{1,2,3}", 0L, 60_000_000_000L));
        plans.add(genericPlan(QueryStore.hotAggregateStatement(Aggregate.AVG), aggregate));
        for (var plan : plans) {
            var batchScans = new ArrayList<JsonNode>();
            collectNodes(JSON.readTree(plan), "point_batches", batchScans);
            // Through the key (series, then min_ts: V42), the range tested on each batch row in that
            // scan node, before any unnest.
            assertThat(batchScans).as(plan).isNotEmpty().allSatisfy(scan -> {
                assertThat(scan.path("Index Name").asText()).isEqualTo("point_batches_pkey");
                assertThat(scan.path("Index Cond").asText()).contains("series_id");
                assertThat(scan.path("Index Cond").asText() + " " + scan.path("Filter").asText()).contains("max_ts >=")
                        .contains("min_ts <");
            });
        }
    }

    /** Raw reads by tag and by measurement, with the values of their parameters. */
    private static Map<SeriesFilter, List<Object>> rawReads() {
        var chunked = List.<Object>of(0L, Long.MAX_VALUE, 0L, Long.MIN_VALUE);
        var range = List.<Object>of(0L, Long.MAX_VALUE, 0L, Long.MAX_VALUE, 0L, Long.MAX_VALUE);
        var after = List.<Object>of(0L, Long.MIN_VALUE, 10);
        // The filter's values and the page's first series, then the chunk test's range and position,
        // then the range of the hot points, then the page.
        var byTag = new ArrayList<Object>(List.of("acme", "fleet", "cpu", "cpu", "usage", "{\"host\": \"h17\"}", "acme", "fleet",
                "host", "h17", 0L));
        byTag.addAll(chunked);
        byTag.addAll(range);
        byTag.addAll(after);
        var byMeasurement = new ArrayList<Object>(List.of("acme", "fleet", "cpu", "cpu", 0L));
        byMeasurement.addAll(chunked);
        byMeasurement.addAll(range);
        byMeasurement.addAll(after);
        return Map.of(tags(Map.of("host", "h17")), byTag, new SeriesFilter(Optional.of("cpu"), Optional.empty(), Map.of()),
                byMeasurement);
    }

    /** The generic plan of {@code statement} (JDBC placeholders) with {@code values}, as the runtime role in acme's transaction. */
    private static String genericPlan(String statement, List<Object> values) {
        return GenericPlans.explain(server, "acme", "FORMAT JSON", statement, values);
    }

    @Test
    void a_write_probes_each_series_key_through_the_key_digest_index_with_and_without_statistics() throws Exception {
        // As a 5,000-line batch of 1,000 series looks them up. Any other index of series that
        // starts with (tenant_id, dataset_id) tempts the planner into walking every series of the
        // dataset for each key under the probe's LIMIT 1: V17 once added one, and PostgreSQL CPU
        // per ingested point went from 8 to 45 us. A new table is probed before autovacuum has
        // analysed it, and the driver's prepared statement may run on a generic plan, so the plan
        // is checked all three ways.
        var plans = Map.of("without statistics, custom", probePlanBeforeAnalyze, "analysed, custom", seriesProbePlan(false),
                "analysed, generic", seriesProbePlan(true));
        plans.forEach((kind, plan) -> {
            var scans = new ArrayList<String>();
            collectScans(readTree(plan), scans);
            assertThat(scans).as(kind + ": " + plan).filteredOn(scan -> scan.contains(":series:")).isNotEmpty()
                    .allMatch(scan -> scan.endsWith(":series:series_by_key_digest"));
        });
    }

    @Test
    void a_write_probes_its_series_keys_without_running_a_sql_function_per_key() throws SQLException {
        // A SQL-language function that PostgreSQL cannot inline runs an executor of its own for each
        // call. V19's utf8_bytes is one (immutable over a stable body); called three times per key,
        // it made the probe of a 5,000-line batch about 12 ms dearer, and ingestion 11-21% slower
        // (docs/benchmarks.md). Counted by track_functions, in a transaction of the superuser (who
        // may set it), over the 1,000 keys of a batch, which must all be found.
        try (var superuser = server.postgres().superuser(server.database())) {
            superuser.setAutoCommit(false);
            try (var statement = superuser.createStatement()) {
                statement.execute("SET LOCAL track_functions = 'all'");
            }
            int found = 0;
            try (var probe = superuser.prepareStatement(PointsStore.findSeriesStatement())) {
                var tags = new ArrayList<String>();
                for (int i = 0; i < 1_000; i++) {
                    tags.add("{\"host\": \"h%d\", \"region\": \"r%d\"}".formatted(i, i % 3));
                }
                probe.setArray(1, superuser.createArrayOf("text", Collections.nCopies(tags.size(), "cpu").toArray()));
                probe.setArray(2, superuser.createArrayOf("text", tags.toArray()));
                probe.setArray(3, superuser.createArrayOf("text", Collections.nCopies(tags.size(), "usage").toArray()));
                probe.setString(4, "acme");
                probe.setString(5, "fleet");
                try (var rows = probe.executeQuery()) {
                    while (rows.next()) {
                        found++;
                    }
                }
            }
            long sqlFunctionCalls;
            try (var statement = superuser.createStatement(); var rows = statement.executeQuery("""
                    SELECT coalesce(sum(pg_stat_get_xact_function_calls(p.oid)), 0)
                    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE l.lanname = 'sql'
                    """)) {
                rows.next();
                sqlFunctionCalls = rows.getLong(1);
            }
            superuser.rollback();

            assertThat(found).as("keys found").isEqualTo(1_000);
            assertThat(sqlFunctionCalls).as("calls of SQL-language functions").isZero();
        }
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** EXPLAIN of the write's series probe for 1,000 keys, as the runtime role in acme's transaction. */
    private static String seriesProbePlan(boolean generic) {
        var keys = new ArrayList<String>();
        for (int i = 0; i < 1_000; i++) {
            keys.add("{\"host\": \"h%d\", \"region\": \"r%d\"}".formatted(i, i % 3));
        }
        String measurements = textArray(Collections.nCopies(keys.size(), "cpu"));
        String fields = textArray(Collections.nCopies(keys.size(), "usage"));
        // The statement with $n placeholders, prepared by SQL so EXPLAIN EXECUTE shows the plan
        // PostgreSQL would run it with: generic when forced, else custom for these values.
        var sql = numbered(PointsStore.findSeriesStatement());
        return inAcme(connection -> {
            try (var statement = connection.createStatement()) {
                statement.execute("SET LOCAL plan_cache_mode = " + (generic ? "force_generic_plan" : "force_custom_plan"));
                statement.execute("PREPARE series_probe AS " + sql);
                try (var rows = statement.executeQuery("EXPLAIN (FORMAT JSON) EXECUTE series_probe(%s, %s, %s, 'acme', 'fleet')"
                        .formatted(measurements, textArray(keys), fields))) {
                    rows.next();
                    var plan = rows.getString(1);
                    statement.execute("DEALLOCATE series_probe");
                    return plan;
                }
            }
        });
    }

    /** {@code sql} with its JDBC {@code ?} placeholders numbered {@code $1, $2, ...}, for PREPARE. */
    private static String numbered(String sql) {
        var out = new StringBuilder();
        int parameter = 0;
        for (char c : sql.toCharArray()) {
            out.append(c == '?' ? "$" + ++parameter : String.valueOf(c));
        }
        return out.toString();
    }

    /** A text[] literal for SQL: ARRAY['a', 'b'] with quotes doubled. */
    private static String textArray(List<String> values) {
        return values.stream().map(v -> "'" + v.replace("'", "''") + "'")
                .collect(Collectors.joining(", ", "ARRAY[", "]::text[]"));
    }

    /** The scan nodes of {@code relation} in an EXPLAIN (FORMAT JSON) plan. */
    private static void collectNodes(JsonNode node, String relation, List<JsonNode> nodes) {
        if (node.path("Relation Name").asText().equals(relation)) {
            nodes.add(node);
        }
        node.forEach(child -> collectNodes(child, relation, nodes));
    }

    /** "node type:relation:index" of every scan node in an EXPLAIN (FORMAT JSON) plan. */
    private static void collectScans(JsonNode node, List<String> scans) {
        if (node.isArray()) {
            node.forEach(child -> collectScans(child, scans));
            return;
        }
        if (node.has("Relation Name") || node.has("Index Name")) {
            scans.add(node.path("Node Type").asText() + ":" + node.path("Relation Name").asText() + ":"
                    + node.path("Index Name").asText());
        }
        node.forEach(child -> collectScans(child, scans));
    }
}
