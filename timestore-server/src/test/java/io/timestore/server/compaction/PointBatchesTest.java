package io.timestore.server.compaction;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.security.TenantId;
import io.timestore.server.db.DatabaseFailure;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The write path of issue #23 (docs/data-plane.md, "Write path" and "Which value wins"): a write
 * is one point_batches row per series, and for a series and time the later write wins over an
 * earlier batch row, a row-per-point row written before V38 and a chunk, before and after the
 * compactor folds them; deletes and retention reach into batch rows; row-level security guards
 * them as every tenant table.
 */
class PointBatchesTest {
    // 2024-01-01T00:00:00Z: long past the compaction age (1 h).
    private static final long T0 = 1_704_067_200_000_000_000L;
    private static final long TEN_SECONDS = 10_000_000_000L;

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final AcmeWrites acme = new AcmeWrites(server);

    private static StoredPoints stored;

    @BeforeAll
    static void tenants() {
        server.tenant("acme");
        server.tenant("globex");
        stored = new StoredPoints(server.postgres(), server.database());
    }

    /** The raw points of field v of measurement m through the query route: time -> value. */
    private static Map<Long, Double> read(String dataset) {
        return read(dataset, "");
    }

    private static Map<Long, Double> read(String dataset, String filter) {
        var response = server.api().get("/storage/v1/datasets/%s/query?measurement=m&field=v&epoch=ns&start=0&end=%d%s"
                .formatted(dataset, Long.MAX_VALUE, filter), bearer(server.tokens().user("acme", "reader")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        var points = new TreeMap<Long, Double>();
        response.json().get("series").forEach(series -> series.get("points")
                .forEach(point -> points.put(point.get(0).asLong(), point.get(1).asDouble())));
        return points;
    }

    private static long compact() {
        return server.timestore().compactor().runOnce().orElseThrow().pointsFolded();
    }

    private static List<String> batchRows(String dataset) {
        var rows = new ArrayList<String>();
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("""
                     SELECT series_id || ':' || min_ts || '..' || max_ts || ':' || point_count FROM point_batches
                     WHERE dataset_id = ? ORDER BY series_id, version""")) {
            statement.setString(1, dataset);
            try (var result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    /** A row-per-point row as the server stored points before V38, for the series of m v in {@code dataset}. */
    private static void legacyRow(String dataset, long time, double value) {
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("""
                     INSERT INTO point_rows (tenant_id, dataset_id, series_id, ts_ns, f)
                     SELECT 'acme', ?, id, ?, ? FROM series WHERE tenant_id = 'acme' AND dataset_id = ? AND measurement = 'm' AND field = 'v'
                     ON CONFLICT (tenant_id, dataset_id, series_id, ts_ns) DO UPDATE SET f = EXCLUDED.f""")) {
            statement.setString(1, dataset);
            statement.setLong(2, time);
            statement.setDouble(3, value);
            statement.setString(4, dataset);
            assertThat(statement.executeUpdate()).isEqualTo(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void a_write_stores_one_row_per_series_and_the_later_of_two_writes_wins() {
        acme.dataset("twice", "");
        acme.write("twice", "m,host=a v=1 %d\nm,host=b v=2 %d\nm,host=a v=3 %d\nm,host=a v=4 %d\n"
                .formatted(T0 + TEN_SECONDS, T0, T0, T0 + TEN_SECONDS));
        assertThat(batchRows("twice")).as("one row per series, ascending, the write's own repeat resolved").hasSize(2)
                .anySatisfy(row -> assertThat(row).endsWith(":%d..%d:2".formatted(T0, T0 + TEN_SECONDS)));

        acme.write("twice", "m,host=a v=5 %d\n".formatted(T0 + TEN_SECONDS));

        assertThat(stored.hot("twice").get("m{\"host\": \"a\"} v")).isEqualTo(Map.of(T0, "3.0", T0 + TEN_SECONDS, "5.0"));
        assertThat(stored.hot("twice").get("m{\"host\": \"b\"} v")).isEqualTo(Map.of(T0, "2.0"));
        assertThat(read("twice", "&tag.host=a")).containsEntry(T0 + TEN_SECONDS, 5.0).containsEntry(T0, 3.0).hasSize(2);
    }

    @Test
    void a_batch_row_wins_over_a_row_per_point_row_and_a_chunk_before_and_after_folding() {
        acme.dataset("layers", "");
        acme.write("layers", "m v=1 %d\nm v=1 %d\nm v=1 %d\n".formatted(T0, T0 + TEN_SECONDS, T0 + 2 * TEN_SECONDS));
        compact();
        assertThat(stored.hot("layers")).isEmpty();
        // Rows written before V38, over the chunk: the row-per-point row is newer than the chunk.
        legacyRow("layers", T0 + TEN_SECONDS, 2);
        legacyRow("layers", T0 + 2 * TEN_SECONDS, 2);
        assertThat(read("layers")).isEqualTo(Map.of(T0, 1.0, T0 + TEN_SECONDS, 2.0, T0 + 2 * TEN_SECONDS, 2.0));

        // A write after them wins over both, in the same hour bucket.
        acme.write("layers", "m v=3 %d\nm v=3 %d\n".formatted(T0, T0 + 2 * TEN_SECONDS));
        var expected = Map.of(T0, 3.0, T0 + TEN_SECONDS, 2.0, T0 + 2 * TEN_SECONDS, 3.0);
        assertThat(read("layers")).isEqualTo(expected);

        compact();
        assertThat(stored.hot("layers")).isEmpty();
        assertThat(batchRows("layers")).isEmpty();
        assertThat(stored.chunkValues("layers").get("m{} v")).isEqualTo(Map.of(T0, "3.0", T0 + TEN_SECONDS, "2.0", T0 + 2 * TEN_SECONDS, "3.0"));
        assertThat(read("layers")).isEqualTo(expected);

        // And a write over the folded chunk wins again, before and after the next pass.
        acme.write("layers", "m v=4 %d\n".formatted(T0 + TEN_SECONDS));
        assertThat(read("layers")).containsEntry(T0 + TEN_SECONDS, 4.0).hasSize(3);
        compact();
        assertThat(read("layers")).containsEntry(T0 + TEN_SECONDS, 4.0).hasSize(3);
    }

    @Test
    void a_pass_folds_only_the_hour_buckets_past_the_age_and_leaves_the_rest_of_a_row_hot() {
        acme.dataset("split", "");
        long now = System.currentTimeMillis() * 1_000_000L;
        acme.write("split", "m v=1 %d\nm v=2 %d\nm v=3 %d\n".formatted(T0, T0 + 3_600_000_000_000L, now));

        compact();

        assertThat(stored.hot("split").get("m{} v")).isEqualTo(Map.of(now, "3.0"));
        assertThat(stored.chunkValues("split").get("m{} v")).isEqualTo(Map.of(T0, "1.0", T0 + 3_600_000_000_000L, "2.0"));
        assertThat(batchRows("split")).singleElement().satisfies(row -> assertThat(row).endsWith(":%d..%d:1".formatted(now, now)));
        assertThat(read("split")).isEqualTo(Map.of(T0, 1.0, T0 + 3_600_000_000_000L, 2.0, now, 3.0));
    }

    @Test
    void a_row_spanning_hours_is_folded_hour_by_hour_under_a_newer_write_of_the_later_hours() {
        acme.dataset("spanning", "");
        long hour = 3_600_000_000_000L;
        acme.write("spanning", "m v=1 %d\nm v=1 %d\nm v=1 %d\n".formatted(T0, T0 + hour, T0 + 2 * hour));
        acme.write("spanning", "m v=2 %d\nm v=2 %d\n".formatted(T0 + hour, T0 + 2 * hour + TEN_SECONDS));

        compact();

        // Each hour's group finds the older row again from the hour its remaining points start in.
        var expected = Map.of(T0, 1.0, T0 + hour, 2.0, T0 + 2 * hour, 1.0, T0 + 2 * hour + TEN_SECONDS, 2.0);
        assertThat(batchRows("spanning")).isEmpty();
        assertThat(stored.chunkValues("spanning").get("m{} v"))
                .isEqualTo(Map.of(T0, "1.0", T0 + hour, "2.0", T0 + 2 * hour, "1.0", T0 + 2 * hour + TEN_SECONDS, "2.0"));
        assertThat(read("spanning")).isEqualTo(expected);
    }

    @Test
    void a_batch_row_whose_first_time_lies_about_its_points_does_not_hold_a_pass_on_its_bucket() throws Exception {
        acme.dataset("lying", "");
        acme.write("lying", "m v=1 %d\n".formatted(T0));
        compact();
        long hour = 3_600_000_000_000L;
        // Only an owner editing the table makes such a row: it says it starts in the first hour,
        // where a group finds it, but holds a point of the third, so no group of the first takes anything.
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("""
                     INSERT INTO point_batches (tenant_id, dataset_id, series_id, version, min_ts, max_ts, point_count, ts_ns, f)
                     SELECT 'acme', 'lying', id, nextval('point_batches_version_seq'), ?, ?, 1, ARRAY[?::bigint], '{2.0}'
                     FROM series WHERE tenant_id = 'acme' AND dataset_id = 'lying'""")) {
            statement.setLong(1, T0 + TEN_SECONDS);
            statement.setLong(2, T0 + 2 * hour);
            statement.setLong(3, T0 + 2 * hour);
            assertThat(statement.executeUpdate()).isEqualTo(1);
        }

        var pass = CompletableFuture.supplyAsync(() -> server.timestore().compactor().runOnce().orElseThrow());

        // One group finds the row, locks it, takes nothing, and the pass moves past the hour at
        // once (an empty group whose rows were removed under it would be tried again instead).
        var done = pass.get(60, TimeUnit.SECONDS);
        assertThat(done.groups()).isEqualTo(1);
        assertThat(done.pointsFolded()).isZero();
        assertThat(batchRows("lying")).hasSize(1);
        assertThat(stored.chunkValues("lying").get("m{} v")).isEqualTo(Map.of(T0, "1.0"));
    }

    @Test
    void an_influx_delete_and_retention_remove_points_from_batch_rows_keeping_the_others() {
        acme.dataset("trimmed", "");
        acme.write("trimmed", "m v=1 %d\nm v=2 %d\nm v=3 %d\n".formatted(T0, T0 + TEN_SECONDS, T0 + 2 * TEN_SECONDS));
        var deleted = server.api().postJson("/api/v2/delete?org=acme&bucket=trimmed", """
                {"start": "2024-01-01T00:00:10Z", "stop": "2024-01-01T00:00:10Z"}
                """, bearer(server.tokens().user("acme", "writer")));
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        assertThat(read("trimmed")).isEqualTo(Map.of(T0, 1.0, T0 + 2 * TEN_SECONDS, 3.0));

        acme.dataset("expiring", ", \"retention_days\": 1");
        long now = System.currentTimeMillis() * 1_000_000L;
        acme.write("expiring", "m v=1 %d\nm v=2 %d\n".formatted(T0, now));
        server.timestore().pointsRetention().runOnce();

        assertThat(batchRows("expiring")).singleElement().satisfies(row -> assertThat(row).endsWith(":%d..%d:1".formatted(now, now)));
        assertThat(stored.hot("expiring").get("m{} v")).isEqualTo(Map.of(now, "2.0"));
    }

    @Test
    void row_level_security_shows_and_accepts_only_the_tenants_batch_rows() {
        acme.dataset("guarded", "");
        acme.write("guarded", "m v=1 %d\n".formatted(T0));
        var transactions = server.timestore().database().transactions();

        long mine = transactions.inTenant(new TenantId("acme"), connection -> count(connection));
        long theirs = transactions.inTenant(new TenantId("globex"), connection -> count(connection));
        long none = transactions.withoutTenant(connection -> count(connection));

        assertThat(mine).isPositive();
        assertThat(theirs).isZero();
        assertThat(none).isZero();
        assertThatThrownBy(() -> transactions.inTenant(new TenantId("globex"), connection -> connection.createStatement().executeUpdate("""
                INSERT INTO point_batches (tenant_id, dataset_id, series_id, version, min_ts, max_ts, point_count, ts_ns, f)
                VALUES ('acme', 'guarded', 1, nextval('point_batches_version_seq'), 5, 5, 1, '{5}', '{1.0}')""")))
                .isInstanceOf(DatabaseFailure.class)
                .satisfies(e -> assertThat(((DatabaseFailure) e).sqlState()).isEqualTo("42501"));
        int updated = transactions.inTenant(new TenantId("globex"), connection -> connection.createStatement()
                .executeUpdate("UPDATE point_batches SET f = '{9.0}' WHERE tenant_id = 'acme'"));
        assertThat(updated).isZero();
    }

    private static long count(java.sql.Connection connection) throws SQLException {
        try (var rows = connection.createStatement().executeQuery("SELECT count(*) FROM point_batches WHERE dataset_id = 'guarded'")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
