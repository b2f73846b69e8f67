package io.timestore.server.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.CrashRestarts;
import io.timestore.server.testing.RowLock;
import io.timestore.server.testing.SharedPostgres;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server process killed with SIGKILL in the middle of a compaction group loses and doubles
 * nothing: the groups it committed are chunks, the transaction it was in is undone whole, and the
 * next server's passes fold the rest. The compactor is held inside its second series' group by a
 * row lock of the test on that series' hot rows; the first series has more hours than a
 * transaction takes groups ({@link PointsCompactor#GROUPS_PER_TRANSACTION}), so one transaction
 * of its groups commits before that and the one with its last groups is undone.
 */
class CompactionCrashTest {
    // "pts_cmpc": the compactor's advisory lock (PointsCompactor), held by the test until the data is written.
    private static final long COMPACTOR_LOCK = 0x7074735F636D7063L;
    private static final long T0 = 1_704_067_200_000_000_000L;
    private static final long TEN_SECONDS = 10_000_000_000L;
    private static final long MINUTE = 60_000_000_000L;
    private static SharedPostgres postgres;

    @RegisterExtension
    static final BeforeAllCallback shared = context -> postgres = SharedPostgres.in(context);

    @TempDir
    Path dataDir;

    @Test
    void a_server_killed_inside_a_compaction_group_loses_and_doubles_no_point() throws Exception {
        var servers = CrashRestarts.on(postgres, "compaction_crash", dataDir, """
                points:
                  compaction:
                    enabled: true
                    age: 1h
                    interval: 100ms
                """);
        var database = servers.database();
        var stored = new StoredPoints(postgres, database);
        Map<String, Map<Long, String>> expected;
        try (var compactorHeld = postgres.superuser(database)) {
            compactorHeld.createStatement().execute("SELECT pg_advisory_lock(" + COMPACTOR_LOCK + ")");
            try (var first = servers.serve()) {
                var api = new Api(first.awaitListening(Duration.ofSeconds(90)));
                var created = api.postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}", "Authorization", token(servers));
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                write(api, servers, "h1", (PointsCompactor.GROUPS_PER_TRANSACTION + 4) * 60, MINUTE);
                write(api, servers, "h2", 720, TEN_SECONDS);
                write(api, servers, "h3", 720, TEN_SECONDS);
                expected = stored.visible("cpu");
                try (var lock = RowLock.hold(postgres, database, """
                        SELECT 1 FROM point_batches WHERE dataset_id = ?
                          AND series_id = (SELECT id FROM series WHERE dataset_id = ? ORDER BY id OFFSET 1 LIMIT 1)
                        FOR UPDATE""", "cpu", "cpu")) {
                    compactorHeld.createStatement().execute("SELECT pg_advisory_unlock(" + COMPACTOR_LOCK + ")");
                    lock.awaitWaiting(1, Duration.ofSeconds(60));
                    first.kill();
                }
            }
        }
        servers.awaitSessionsEnded();
        assertThat(stored.chunks("cpu")).as("the first transaction's groups were committed")
                .hasSize(PointsCompactor.GROUPS_PER_TRANSACTION);
        assertThat(stored.visible("cpu")).as("nothing lost or changed by the kill").isEqualTo(expected);

        try (var second = servers.serve()) {
            second.awaitListening(Duration.ofSeconds(90));
            Await.until("every old hot row is folded", Duration.ofSeconds(60), () -> stored.hot("cpu").isEmpty());

            // chunkValues fails on a time held by two chunks: nothing is doubled.
            assertThat(stored.chunkValues("cpu")).isEqualTo(expected);
        }
    }

    /** {@code count} points of one float series from T0, {@code step} apart. */
    private static void write(Api api, CrashRestarts servers, String host, int count, long step) {
        var lines = new StringBuilder();
        for (int i = 0; i < count; i++) {
            lines.append("m,host=%s v=%d.5 %d\n".formatted(host, i % 13, T0 + i * step));
        }
        var written = api.send(api.request("/api/v2/write?org=acme&bucket=cpu&precision=ns", "Authorization", token(servers))
                .POST(HttpRequest.BodyPublishers.ofString(lines.toString())).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    private static String token(CrashRestarts servers) {
        return "Bearer " + servers.tokens().user("acme", "tenant-admin", "writer");
    }
}
