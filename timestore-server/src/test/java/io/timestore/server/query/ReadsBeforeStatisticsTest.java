package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A raw read by tags right after a dataset's first large write, before anything has analysed its
 * tables, checks its tag conditions per series, not once per point it reads (docs/data-plane.md,
 * "Reads before the first statistics"): on the generic plan the route runs, as the runtime role,
 * a read of ten times the points probes the tag table no more often.
 */
class ReadsBeforeStatisticsTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HOSTS = 1_000;
    private static final int SECONDS = 600;
    // 2025-01-01T00:00:00Z
    private static final long T0 = 1_735_689_600_000_000_000L;

    @BeforeAll
    static void firstLargeWrite() throws SQLException {
        try (var superuser = server.postgres().superuser(server.database()); var statement = superuser.createStatement()) {
            // No analysis behind the test's back: the read below must be planned without statistics.
            for (var table : List.of("series", "series_tags", "point_batches", "point_rows")) {
                statement.execute("ALTER TABLE " + table + " SET (autovacuum_enabled = false)");
            }
        }
        server.tenant("acme");
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"fleet\"}", bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var lines = new StringBuilder();
        int count = 0;
        for (int second = 0; second < SECONDS; second++) {
            for (int host = 0; host < HOSTS; host++) {
                lines.append("cpu,host=h%d,region=r%d usage=%d.5 %d\n".formatted(host, host % 2, host + second, T0 + second * 1_000_000_000L));
                if (++count % 5_000 == 0) {
                    write(lines.toString());
                    lines.setLength(0);
                }
            }
        }
        write(lines.toString());
    }

    private static void write(String lines) {
        if (lines.isEmpty()) {
            return;
        }
        var written = server.api().post("/api/v2/write?org=acme&bucket=fleet&precision=ns", lines, bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    @Test
    void a_read_by_two_tags_before_any_statistics_probes_the_tag_table_per_series_not_per_point_read() throws Exception {
        var shortRead = JSON.readTree(plan(60));
        var longRead = JSON.readTree(plan(SECONDS));

        assertThat(rowsOut(shortRead.get(0).get("Plan"))).as("points of the short read").isEqualTo(60);
        assertThat(rowsOut(longRead.get(0).get("Plan"))).as("points of the long read").isEqualTo(SECONDS);
        assertThat(tagLoops(shortRead)).as("tag probes of the short read: %s", shortRead).isPositive();
        assertThat(tagLoops(longRead)).as("tag probes of the long read: %s", longRead).isEqualTo(tagLoops(shortRead));
    }

    /** The analysed generic plan of the raw read of host h1 in region r1, its first {@code seconds}. */
    private static String plan(int seconds) {
        var filter = new SeriesFilter(Optional.of("cpu"), Optional.of("usage"), Map.of("host", "h1", "region", "r1"));
        long end = T0 + seconds * 1_000_000_000L;
        // In the statement's order: the filter (tags sorted by key), the page's first series, the
        // chunk test's range and position, the hot points' range, the page.
        var values = List.<Object>of("acme", "fleet", "cpu", "cpu", "usage", filter.tagsJson(), "acme", "fleet", "host", "h1",
                "acme", "fleet", "region", "r1", 0L, T0, end, 0L, Long.MIN_VALUE, T0, end, T0, end, T0, end, 0L, Long.MIN_VALUE,
                10_000);
        return GenericPlans.explain(server, "acme", "ANALYZE, FORMAT JSON", QueryStore.rawStatement(filter), values);
    }

    private static long rowsOut(JsonNode node) {
        return node.path("Actual Rows").asLong() * node.path("Actual Loops").asLong();
    }

    /** How many times the plan's scans of series_tags ran. */
    private static long tagLoops(JsonNode node) {
        long sum = "series_tags".equals(node.path("Relation Name").asText()) ? node.path("Actual Loops").asLong() : 0;
        for (var child : node) {
            sum += tagLoops(child);
        }
        return sum;
    }
}
