package io.timestore.server.compaction;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.TenantId;
import io.timestore.server.compaction.ChunkStore.Bucket;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A delete and a compaction group that meet in the same chunk (docs/data-plane.md, "Deletes"),
 * groups whose batch rows are removed under them, the points view's UPDATE and DELETE and
 * retention beside a compaction transaction. Both replace a chunk by deleting its row and
 * inserting new ones; each test holds one side's transaction open at the point where the other
 * must wait for it, lets the other run into it, then commits, so the interleaving is the same on
 * every run. Before {@link PointLocks#lockChunks} the first test found the range's points still
 * stored and the second lost every point of the chunk outside the range.
 */
class CompactionRacesTest {
    // 2024-01-01T00:00:00Z: long past the compaction age (1 h).
    private static final long T0 = 1_704_067_200_000_000_000L;
    private static final long TEN_SECONDS = 10_000_000_000L;
    private static final long HOUR = 3_600_000_000_000L;
    // More racing removals than the three that a first version let move the pass past its bucket.
    private static final int REMOVALS = 4;
    private static final TenantId ACME = new TenantId("acme");

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final AcmeWrites acme = new AcmeWrites(server);

    private static StoredPoints stored;

    @BeforeAll
    static void tenant() {
        server.tenant("acme");
        stored = new StoredPoints(server.postgres(), server.database());
    }

    /**
     * Ten points from T0 every ten seconds folded into one chunk, then one point at T0 + 5 s, hot:
     * a group of that bucket has something to fold. The series' id.
     */
    private static long chunkAndOneHotPoint(String dataset) throws SQLException {
        acme.dataset(dataset, "");
        var lines = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            lines.append("m v=%d %d\n".formatted(i, T0 + i * TEN_SECONDS));
        }
        acme.write(dataset, lines.toString());
        server.timestore().compactor().runOnce();
        acme.write(dataset, "m v=0.5 %d\n".formatted(T0 + 5));
        assertThat(stored.chunks(dataset)).hasSize(1);
        return seriesOf(dataset);
    }

    /** What must be left: every written time but those from 10 s to 30 s, which the delete removes. */
    private static Map<Long, String> withoutTenToThirtySeconds() {
        var expected = new TreeMap<Long, String>();
        expected.put(T0, "0.0");
        expected.put(T0 + 5, "0.5");
        for (int i = 4; i < 10; i++) {
            expected.put(T0 + i * TEN_SECONDS, i + ".0");
        }
        return expected;
    }

    private static CompletableFuture<ApiResponse> deleteTenToThirtySeconds(String dataset) {
        return CompletableFuture.supplyAsync(() -> server.api().postJson("/api/v2/delete?org=acme&bucket=" + dataset, """
                {"start": "2024-01-01T00:00:10Z", "stop": "2024-01-01T00:00:30Z"}
                """, bearer(server.tokens().user("acme", "writer"))));
    }

    private static Connection openTransaction() throws SQLException {
        var connection = server.postgres().superuser(server.database());
        connection.setAutoCommit(false);
        return connection;
    }

    /** Waits until another backend of the test database waits for a lock (the transaction held open here). */
    private static void awaitSomeoneBlocked() {
        Await.until("a backend waits for a lock", Duration.ofSeconds(30),
                () -> server.postgres().backendsWaitingForLocks(server.database()) > 0);
    }

    @Test
    void a_delete_that_meets_a_compaction_group_removes_its_range_from_the_chunks_the_group_wrote() throws Exception {
        long series = chunkAndOneHotPoint("delete_after_fold");
        try (var group = openTransaction()) {
            var folded = foldFirstHour(group, "delete_after_fold", series);
            assertThat(folded.hotRows()).isEqualTo(1);

            var delete = deleteTenToThirtySeconds("delete_after_fold");
            awaitSomeoneBlocked();
            group.commit();

            var answer = delete.get(30, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(204);
        }

        assertThat(stored.visible("delete_after_fold").get("m{} v")).isEqualTo(withoutTenToThirtySeconds());
    }

    @Test
    void a_compaction_group_that_meets_a_delete_keeps_every_point_the_delete_left() throws Exception {
        long series = chunkAndOneHotPoint("fold_after_delete");
        try (var delete = openTransaction()) {
            // What the delete does to a chunk (PointsStore.delete): the lock, then the chunk rewritten without the range.
            PointLocks.lockChunks(delete, ACME, "fold_after_delete");
            int removed = ChunkStore.removeRange(delete, ACME, "fold_after_delete", series, T0, T0 + TEN_SECONDS, T0 + 3 * TEN_SECONDS);
            assertThat(removed).isEqualTo(3);

            var group = CompletableFuture.supplyAsync(() -> {
                try (var connection = openTransaction()) {
                    var folded = foldFirstHour(connection, "fold_after_delete", series);
                    connection.commit();
                    return folded;
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitSomeoneBlocked();
            delete.commit();

            assertThat(group.get(30, TimeUnit.SECONDS).hotRows()).isEqualTo(1);
        }

        assertThat(stored.hot("fold_after_delete")).isEmpty();
        assertThat(stored.visible("fold_after_delete").get("m{} v")).isEqualTo(withoutTenToThirtySeconds());
    }

    @Test
    void groups_whose_chosen_rows_are_removed_under_them_fold_the_rest_of_their_bucket_before_the_next_bucket() throws Exception {
        String dataset = "removed_under_groups";
        acme.dataset(dataset, "");
        acme.write(dataset, "m v=0 %d\n".formatted(T0));
        long series = seriesOf(dataset);
        // Rows of the first hour each holding a whole group's budget, so that each group chooses one
        // of them (the first with the write above) and leaves the later rows of that hour for the next.
        var budgetRows = new ArrayList<Long>();
        for (int i = 0; i < REMOVALS; i++) {
            budgetRows.add(budgetRow(dataset, series, T0 + 1 + (long) i * ChunkStore.MAX_ROWS_PER_GROUP));
        }
        // A row beyond the budgets from the first hour into the second, then a newer value of its second-hour point.
        long secondHour = T0 + HOUR + TEN_SECONDS;
        acme.write(dataset, "m v=1 %d\nm v=1 %d\n".formatted(T0 + HOUR / 2, secondHour));
        acme.write(dataset, "m v=2 %d\n".formatted(secondHour));

        // A removal that does not take the chunk lock (everything of the server does; an owner's
        // DELETE on the table does not): each is held open until a group waits on its rows.
        var removals = new ArrayList<Connection>();
        try {
            long from = 0;
            for (long version : budgetRows) {
                var removal = openTransaction();
                removals.add(removal);
                try (var statement = removal.prepareStatement("DELETE FROM point_batches WHERE dataset_id = ? AND version BETWEEN ? AND ?")) {
                    statement.setString(1, dataset);
                    statement.setLong(2, from);
                    statement.setLong(3, version);
                    assertThat(statement.executeUpdate()).isPositive();
                }
                from = version + 1;
            }
            var pass = CompletableFuture.supplyAsync(() -> server.timestore().compactor().runOnce().orElseThrow());
            for (var removal : removals) {
                // A pass that moved past the bucket early ends before the last removals are waited on.
                awaitBlockedBy(removal, pass::isDone);
                removal.commit();
            }
            pass.get(60, TimeUnit.SECONDS);
        } finally {
            for (var removal : removals) {
                removal.close();
            }
        }

        // The second hour's newer value wins, and nothing of the row beyond the budgets is left hot.
        assertThat(stored.hot(dataset)).isEmpty();
        assertThat(stored.visible(dataset).get("m{} v")).isEqualTo(Map.of(T0 + HOUR / 2, "1.0", secondHour, "2.0"));
    }

    @Test
    void a_delete_through_the_points_view_beside_a_compaction_group_removes_its_own_point() throws Exception {
        var changed = throughTheViewBesideAGroup("view_delete", "DELETE FROM points WHERE tenant_id = 'acme' AND dataset_id = ? AND ts_ns = ?");
        assertThat(changed).isEqualTo(1);
        assertThat(stored.visible("view_delete").get("m{} v")).isEqualTo(Map.of(T0, "1.0", T0 + HOUR + 2 * TEN_SECONDS, "3.0"));
    }

    @Test
    void an_update_through_the_points_view_beside_a_compaction_group_changes_its_own_point() throws Exception {
        var changed = throughTheViewBesideAGroup("view_update", "UPDATE points SET f = 9 WHERE tenant_id = 'acme' AND dataset_id = ? AND ts_ns = ?");
        assertThat(changed).isEqualTo(1);
        assertThat(stored.visible("view_update").get("m{} v"))
                .isEqualTo(Map.of(T0, "1.0", T0 + HOUR + TEN_SECONDS, "9.0", T0 + HOUR + 2 * TEN_SECONDS, "3.0"));
    }

    /**
     * One batch row of three points, the first in the first hour, the others in the second; a
     * group folding the first hour (which rewrites the row without its first point) is held open
     * while {@code sql} (dataset, time) changes the second point through the points view, then
     * commits. Before V43 the view's trigger used the point's position in the row as it was before
     * the group, and changed the third point instead. What {@code sql} reported changing.
     */
    private static int throughTheViewBesideAGroup(String dataset, String sql) throws Exception {
        acme.dataset(dataset, "");
        long second = T0 + HOUR + TEN_SECONDS;
        acme.write(dataset, "m v=1 %d\nm v=2 %d\nm v=3 %d\n".formatted(T0, second, T0 + HOUR + 2 * TEN_SECONDS));
        long series = seriesOf(dataset);
        try (var group = openTransaction()) {
            assertThat(foldFirstHour(group, dataset, series).hotRows()).isEqualTo(1);
            var change = CompletableFuture.supplyAsync(() -> {
                try (var connection = server.postgres().superuser(server.database()); var statement = connection.prepareStatement(sql)) {
                    statement.setString(1, dataset);
                    statement.setLong(2, second);
                    return statement.executeUpdate();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitBlockedBy(group);
            group.commit();
            return change.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void retention_waits_for_a_compaction_transaction_instead_of_meeting_its_rows() throws Exception {
        acme.dataset("expiring_beside_group", ", \"retention_days\": 1");
        long now = System.currentTimeMillis() * 1_000_000L;
        acme.write("expiring_beside_group", "m v=1 %d\nm v=2 %d\n".formatted(T0, now));
        try (var group = openTransaction()) {
            // A compaction transaction holds the chunk lock (and, after its first groups, their rows)
            // until it commits; retention rewrites the rows of every series of the dataset in one statement.
            PointLocks.lockChunks(group, ACME, "expiring_beside_group");
            var retention = CompletableFuture.supplyAsync(() -> server.timestore().pointsRetention().runOnce());
            awaitBlockedBy(group);
            assertThat(retention).isNotDone();
            group.commit();

            assertThat(retention.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(stored.visible("expiring_beside_group").get("m{} v")).isEqualTo(Map.of(now, "2.0"));
    }

    /** One compaction group of the first hour of {@code series}, as the compactor runs it, in the caller's open transaction. */
    private static ChunkStore.Folded foldFirstHour(Connection transaction, String dataset, long series) throws SQLException {
        PointLocks.lockChunks(transaction, ACME, dataset);
        var type = ChunkStore.seriesType(transaction, ACME, dataset, series);
        return ChunkStore.fold(transaction, ACME, dataset, series, type, Bucket.of(T0), Long.MAX_VALUE);
    }

    private static long seriesOf(String dataset) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("SELECT id FROM series WHERE tenant_id = 'acme' AND dataset_id = ?")) {
            statement.setString(1, dataset);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** A batch row of {@code dataset}'s series of a group's budget of points from {@code first}, one nanosecond apart; its version. */
    private static long budgetRow(String dataset, long series, long first) throws SQLException {
        try (var superuser = server.postgres().superuser(server.database());
             var statement = superuser.prepareStatement("""
                     INSERT INTO point_batches (tenant_id, dataset_id, series_id, version, min_ts, max_ts, point_count, ts_ns, f)
                     SELECT 'acme', ?, ?, nextval('point_batches_version_seq'), min(t), max(t), count(*), array_agg(t ORDER BY t), array_agg(1.0::float8)
                     FROM generate_series(?::bigint, ?::bigint) AS t RETURNING version""")) {
            statement.setString(1, dataset);
            statement.setLong(2, series);
            statement.setLong(3, first);
            statement.setLong(4, first + ChunkStore.MAX_ROWS_PER_GROUP - 1);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** Waits until another backend waits for a lock {@code holder}'s open transaction holds. */
    private static void awaitBlockedBy(Connection holder) throws SQLException {
        awaitBlockedBy(holder, () -> false);
    }

    /** Waits until another backend waits for a lock {@code holder}'s open transaction holds, or until {@code over}. */
    private static void awaitBlockedBy(Connection holder, BooleanSupplier over) throws SQLException {
        int pid;
        try (var statement = holder.createStatement(); var rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            pid = rows.getInt(1);
        }
        Await.until("a backend waits for " + pid, Duration.ofSeconds(30), () -> {
            if (over.getAsBoolean()) {
                return true;
            }
            try (var watcher = server.postgres().superuser(server.database());
                 var statement = watcher.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE ? = ANY (pg_blocking_pids(pid))")) {
                statement.setInt(1, pid);
                try (var rows = statement.executeQuery()) {
                    rows.next();
                    return rows.getLong(1) > 0;
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
