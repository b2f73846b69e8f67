package io.timestore.server.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.security.TenantId;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.RowLock;
import io.timestore.server.testing.ServerProcess;
import io.timestore.server.testing.SharedPostgres;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server process killed with SIGKILL in the middle of a compaction group loses and doubles
 * nothing: the groups it committed are chunks, the one it was in is undone whole, and the next
 * server's passes fold the rest. The compactor is held inside its second series' group by a row
 * lock of the test on that series' hot rows.
 */
class CompactionCrashTest {
    // "pts_cmpc": the compactor's advisory lock (PointsCompactor), held by the test until the data is written.
    private static final long COMPACTOR_LOCK = 0x7074735F636D7063L;
    private static final long T0 = 1_704_067_200_000_000_000L;
    private static SharedPostgres postgres;

    @RegisterExtension
    static final BeforeAllCallback shared = context -> postgres = SharedPostgres.in(context);

    @TempDir
    Path dataDir;

    @Test
    void a_server_killed_inside_a_compaction_group_loses_and_doubles_no_point() throws Exception {
        var database = postgres.createDatabase("compaction_crash");
        try (var superuser = postgres.superuser(database); var statement = superuser.createStatement()) {
            statement.execute("INSERT INTO tenants (id, name, created_by, updated_by) VALUES ('acme', 'Acme', 'test', 'test')");
        }
        var stored = new StoredPoints(postgres, database);
        Map<String, Map<Long, String>> expected;
        try (var compactorHeld = postgres.superuser(database)) {
            compactorHeld.createStatement().execute("SELECT pg_advisory_lock(" + COMPACTOR_LOCK + ")");
            try (var first = serve(database)) {
                var api = new Api(first.awaitListening(Duration.ofSeconds(90)));
                var created = api.postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}", "Authorization", token());
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                write(api, "h1");
                write(api, "h2");
                write(api, "h3");
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
        awaitSessionsEnded(database);
        assertThat(stored.chunks("cpu")).as("the first series' groups were committed").isNotEmpty();
        assertThat(stored.visible("cpu")).as("nothing lost or changed by the kill").isEqualTo(expected);

        try (var second = serve(database)) {
            second.awaitListening(Duration.ofSeconds(90));
            Await.until("every old hot row is folded", Duration.ofSeconds(60), () -> stored.hot("cpu").isEmpty());

            // chunkValues fails on a time held by two chunks: nothing is doubled.
            assertThat(stored.chunkValues("cpu")).isEqualTo(expected);
        }
    }

    /** Two hours of ten-second points of one float series. */
    private void write(Api api, String host) {
        var lines = new StringBuilder();
        for (int i = 0; i < 720; i++) {
            lines.append("m,host=%s v=%d.5 %d\n".formatted(host, i % 13, T0 + i * 10_000_000_000L));
        }
        var written = api.send(api.request("/api/v2/write?org=acme&bucket=cpu&precision=ns", "Authorization", token())
                .POST(HttpRequest.BodyPublishers.ofString(lines.toString())).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }

    /** {@code timestore serve} on {@code database}, compacting every 100 ms. */
    private ServerProcess serve(String database) throws Exception {
        var checkpointKey = dataDir.resolve("audit-checkpoint.key");
        var masterKey = dataDir.resolve("master-key.txt");
        var config = dataDir.resolve("timestore.yaml");
        if (!Files.exists(checkpointKey)) {
            Files.writeString(checkpointKey, CheckpointKeys.toFileText(CheckpointKeys.generate(new SecureRandom())));
            var bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            Files.writeString(masterKey, Base64.getEncoder().encodeToString(bytes));
            Files.writeString(config, """
                    points:
                      compaction:
                        enabled: true
                        age: 1h
                        interval: 100ms
                    """);
        }
        return ServerProcess.serve(dataDir, Map.of(
                "TIMESTORE_DB_URL", postgres.jdbcUrl(database),
                "TIMESTORE_MASTER_KEY", Files.readString(masterKey),
                "TIMESTORE_DEV_ISSUER", "on",
                "TIMESTORE_AUDIT_SIGNING_KEY_FILE", checkpointKey.toString()), "--config", config.toString());
    }

    private String token() {
        var issuer = DevIssuer.load(new KeyFiles(dataDir), "timestore", io.timestore.security.jwt.ClaimNames.defaults(),
                InstantSource.system());
        return "Bearer " + issuer.mint(new DevIssuer.Grant("alice", Optional.of(new TenantId("acme")),
                List.of("tenant-admin", "writer"), List.of(), Duration.ofMinutes(15)));
    }

    /** The killed process's sessions end once PostgreSQL sees their client gone. */
    private static void awaitSessionsEnded(String database) {
        Await.until("the killed server's database sessions have ended", Duration.ofSeconds(30), () -> {
            try (var superuser = postgres.superuser(database);
                 var statement = superuser.prepareStatement(
                         "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND usename IN (?, ?, ?)")) {
                statement.setString(1, database);
                statement.setString(2, SharedPostgres.OWNER);
                statement.setString(3, SharedPostgres.RUNTIME);
                statement.setString(4, SharedPostgres.RETENTION);
                try (var rows = statement.executeQuery()) {
                    rows.next();
                    return rows.getLong(1) == 0;
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
