package io.timestore.server.compaction;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The compactor folds old hot rows into chunks (docs/data-plane.md, "Compaction"): each time
 * ends up once, in a chunk or hot, and what a read must see (chunks overlaid by newer hot rows)
 * is exactly what was written last. Passes run on the test's thread ({@code runOnce}); the
 * scheduled compactor is off, as by default.
 */
class CompactionTest {
    // 2024-01-01T00:00:00Z: long past the compaction age (1 h).
    private static final long T0 = 1_704_067_200_000_000_000L;
    private static final long TEN_SECONDS = 10_000_000_000L;
    private static final long HOUR = 3_600_000_000_000L;

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static final AcmeWrites acme = new AcmeWrites(server);

    private static StoredPoints stored;

    @BeforeAll
    static void tenant() {
        server.tenant("acme");
        stored = new StoredPoints(server.postgres(), server.database());
    }

    private static long compact() {
        return server.timestore().compactor().runOnce().orElseThrow().pointsFolded();
    }

    /** Lines of float {@code v}, integer {@code n}, unsigned {@code u}, boolean {@code up} and string {@code note}. */
    private static String regular(String host, long from, int count) {
        var lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            long time = from + i * TEN_SECONDS;
            lines.append("m,host=%s v=%d.25,n=%di,u=%su,up=%s,note=\"%s\" %d\n".formatted(host, i % 7, i - 50,
                    Long.toUnsignedString(-1L - i), i % 3 == 0, i % 2 == 0 ? "even" : "odd", time));
        }
        return lines.toString();
    }

    @Test
    void old_hot_rows_are_folded_into_hour_chunks_and_recent_rows_stay_hot() {
        acme.dataset("folded", "");
        long now = System.currentTimeMillis() * 1_000_000L;
        // 2.5 hours from 00:00, ten-second points: three hour buckets per series.
        acme.write("folded", regular("h1", T0, 900) + regular("h2", T0 + 5, 900) + "m,host=h1 v=9.5 " + now + "\n");
        var before = stored.visible("folded");

        long folded = compact();

        assertThat(folded).isEqualTo(2 * 5 * 900);
        assertThat(stored.visible("folded")).isEqualTo(before);
        assertThat(stored.hot("folded")).containsOnlyKeys("m{\"host\": \"h1\"} v");
        assertThat(stored.hot("folded").get("m{\"host\": \"h1\"} v")).containsOnlyKeys(now);
        var chunks = stored.chunks("folded");
        assertThat(chunks).hasSize(2 * 5 * 3);
        for (var chunk : chunks) {
            assertThat(Math.floorDiv(chunk.minTs(), HOUR)).as("one hour bucket").isEqualTo(Math.floorDiv(chunk.maxTs(), HOUR));
            assertThat(chunk.times()).hasSize(chunk.count()).startsWith(chunk.minTs()).endsWith(chunk.maxTs());
        }
        assertThat(chunks.stream().mapToInt(StoredPoints.ChunkRow::count).sum()).isEqualTo(2 * 5 * 900);
        assertThat(compact()).as("a second pass finds nothing old").isZero();
    }

    @Test
    void chunk_summaries_hold_count_min_max_sum_first_and_last_exactly() {
        acme.dataset("summaries", "");
        acme.write("summaries", """
                m x=1.5,n=-9223372036854775808i,u=18446744073709551615u %d
                m x=-2.25,n=9223372036854775807i,u=1u %d
                m x=4,n=5i,u=9223372036854775808u %d
                """.formatted(T0, T0 + 1, T0 + 2));

        compact();

        // Series in the order they were created: x, n, u.
        assertThat(stored.summaries("summaries", "point_count")).containsExactly("3", "3", "3");
        assertThat(stored.summaries("summaries", "min_f")).containsExactly("-2.25", null, null);
        assertThat(stored.summaries("summaries", "max_f")).containsExactly("4", null, null);
        assertThat(stored.summaries("summaries", "sum_f")).containsExactly("3.25", null, null);
        assertThat(stored.summaries("summaries", "first_f")).containsExactly("1.5", null, null);
        assertThat(stored.summaries("summaries", "last_f")).containsExactly("4", null, null);
        assertThat(stored.summaries("summaries", "min_n")).containsExactly(null, "-9223372036854775808", "1");
        assertThat(stored.summaries("summaries", "max_n")).containsExactly(null, "9223372036854775807", "18446744073709551615");
        assertThat(stored.summaries("summaries", "sum_n")).containsExactly(null, "4", "27670116110564327424");
        assertThat(stored.summaries("summaries", "first_n")).containsExactly(null, "-9223372036854775808", "18446744073709551615");
        assertThat(stored.summaries("summaries", "last_n")).containsExactly(null, "5", "9223372036854775808");
    }

    @Test
    void a_write_to_a_compacted_time_wins_over_the_chunk_and_is_folded_over_it_by_the_next_pass() {
        acme.dataset("rewritten", "");
        acme.write("rewritten", "m v=1,n=1i,up=true,note=\"old\" %d\nm v=2,n=2i,up=true,note=\"old\" %d\n".formatted(T0, T0 + TEN_SECONDS));
        compact();
        acme.write("rewritten", "m v=10,n=10i,up=false,note=\"new\" %d\nm v=3,n=3i,up=true,note=\"added\" %d\n".formatted(T0, T0 + 5));

        var expected = Map.of(T0, "10.0", T0 + 5, "3.0", T0 + TEN_SECONDS, "2.0");
        assertThat(stored.visible("rewritten").get("m{} v")).isEqualTo(expected);
        compact();

        assertThat(stored.hot("rewritten")).isEmpty();
        assertThat(stored.chunkValues("rewritten").get("m{} v")).isEqualTo(expected);
        assertThat(stored.chunkValues("rewritten").get("m{} n")).containsEntry(T0, "10");
        assertThat(stored.chunkValues("rewritten").get("m{} up")).containsEntry(T0, "false");
        assertThat(stored.chunkValues("rewritten").get("m{} note")).containsEntry(T0, "new").containsEntry(T0 + 5, "added");
        assertThat(stored.chunks("rewritten")).as("one chunk per series and bucket").hasSize(4);
    }

    @Test
    void compaction_while_writes_rewrite_the_same_times_keeps_the_last_write_of_every_time() throws Exception {
        acme.dataset("concurrent", "");
        var expected = new TreeMap<Long, String>();
        var done = new AtomicBoolean();
        var writer = CompletableFuture.runAsync(() -> {
            for (int round = 0; round < 30; round++) {
                var lines = new StringBuilder();
                for (int i = 0; i < 200; i++) {
                    // Times spread over three hours, rewritten round after round with a new value.
                    long time = T0 + ((i * 37L + round * 11L) % 1_000) * TEN_SECONDS;
                    lines.append("m,host=c v=%d.5 %d\n".formatted(round * 1_000 + i, time));
                    synchronized (expected) {
                        expected.put(time, (round * 1_000 + i) + ".5");
                    }
                }
                acme.write("concurrent", lines.toString());
            }
            done.set(true);
        }, task -> Thread.ofVirtual().start(task));
        var passes = new ArrayList<Long>();
        while (!done.get()) {
            passes.add(compact());
        }
        writer.get();
        compact();

        assertThat(passes).isNotEmpty();
        assertThat(stored.hot("concurrent")).isEmpty();
        assertThat(stored.chunkValues("concurrent").get("m{\"host\": \"c\"} v")).isEqualTo(expected);
    }

    @Test
    void retention_drops_chunks_wholly_past_the_cut_and_deleting_the_dataset_drops_the_rest_and_counts_it() {
        acme.dataset("retained", ", \"retention_days\": 1");
        acme.dataset("dropped", "");
        acme.write("retained", regular("r", T0, 30));
        acme.write("dropped", regular("d", T0, 30));
        compact();
        acme.write("dropped", "m,host=d v=9 %d\n".formatted(T0 + 2 * HOUR));
        assertThat(stored.chunks("retained")).hasSize(5);

        server.timestore().pointsRetention().runOnce();
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        var deleted = server.api().method("DELETE", "/storage/v1/datasets/dropped", admin);

        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        assertThat(stored.chunks("retained")).isEmpty();
        assertThat(stored.chunks("dropped")).isEmpty();
        // 30 lines of five fields folded into chunks, and one hot point.
        assertThat(new AuditLog(server).eventsFor(deleted.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/details/points_deleted").asLong()).isEqualTo(151));
    }

    @Test
    void an_influx_delete_removes_points_inside_chunks_and_hot_rows_of_the_matching_series_only() {
        acme.dataset("deleted", "");
        acme.write("deleted", "m,host=h1 v=1 %d\nm,host=h1 v=2 %d\nm,host=h1 v=3 %d\nm,host=h2 v=4 %d\nm,host=h2 v=5 %d\nm,host=h1 v=6 %d\n"
                .formatted(T0, T0 + TEN_SECONDS, T0 + 2 * TEN_SECONDS, T0, T0 + TEN_SECONDS, T0 + 2 * HOUR));
        compact();
        acme.write("deleted", "m,host=h1 v=7 %d\n".formatted(T0 + 5));

        var deleted = server.api().postJson("/api/v2/delete?org=acme&bucket=deleted", """
                {"start": "2024-01-01T00:00:00Z", "stop": "2024-01-01T00:00:10Z", "predicate": "host=\\"h1\\""}
                """, bearer(server.tokens().user("acme", "writer")));
        var whole = server.api().postJson("/api/v2/delete?org=acme&bucket=deleted", """
                {"start": "2024-01-01T02:00:00Z", "stop": "2024-01-01T02:00:00Z"}
                """, bearer(server.tokens().user("acme", "writer")));

        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        assertThat(whole.statusCode()).as(whole.body()).isEqualTo(204);
        assertThat(stored.visible("deleted")).isEqualTo(Map.of(
                "m{\"host\": \"h1\"} v", Map.of(T0 + 2 * TEN_SECONDS, "3.0"),
                "m{\"host\": \"h2\"} v", Map.of(T0, "4.0", T0 + TEN_SECONDS, "5.0")));
        assertThat(stored.chunks("deleted")).as("the emptied chunk is gone, the others rewritten").hasSize(2);
    }
}
