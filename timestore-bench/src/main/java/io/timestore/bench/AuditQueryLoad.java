package io.timestore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.Details;
import io.timestore.audit.Severity;
import io.timestore.security.TenantId;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.identity.DevIssuer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The audit query load of issue 7: {@code --events} events (default 20,000,000) of which half
 * belong to one tenant and the rest to nine others, then through HTTP as that tenant's auditor:
 * the p50/p95 of a filtered first page of 100, of a deep page reached by following cursors, and
 * the NDJSON export rate. Events are generated in SQL (same indexes, same row-level security as
 * served ones); their JSON is a real event with per-row ids and times. Results on stdout.
 */
public final class AuditQueryLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private URI base;
    private String auditor;

    public static void main(String[] args) throws Exception {
        long events = 20_000_000;
        int runs = 200;
        String dataDir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events" -> events = Long.parseLong(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                // A data directory an earlier run filled is reused (its PostgreSQL keeps the
                // events); a new or empty one is filled and kept for later runs.
                case "--data-dir" -> dataDir = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        new AuditQueryLoad().run(events, runs, Optional.ofNullable(dataDir).map(java.nio.file.Path::of));
    }

    private void run(long events, int runs, Optional<java.nio.file.Path> reuse) throws Exception {
        System.out.printf("machine: %d cores, %s, JDK %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"), System.getProperty("java.version"));
        var dataDir = reuse.isPresent() ? reuse.get() : Files.createTempDirectory("timestore-audit-bench");
        boolean filled = Files.isDirectory(dataDir.resolve("postgres"));
        var settings = SettingsLoader.load(Map.of("server.port", "0", "data-dir", dataDir.toString()), Optional.empty(),
                Map.of("TIMESTORE_DEV_ISSUER", "on"));
        try (var server = Timestore.start(settings, List.of())) {
            base = server.baseUri();
            var superuser = server.database().target().jdbcUrl() + "?user=postgres";
            if (!filled) {
                fill(superuser, 0, events);
            } else {
                System.out.printf("reusing the events already in %s%n", dataDir);
            }
            vacuumOnce(superuser);
            // Minted after the fill: a development token lives at most 15 minutes.
            auditor = "Bearer " + server.devIssuer().orElseThrow().mint(new DevIssuer.Grant("auditor", Optional.of(new TenantId("big")),
                    List.of("auditor"), List.of(), Duration.ofMinutes(15)));
            measurePages(runs);
            measureExport();
        }
    }

    /**
     * Vacuums the filled table unless that was done, as a production table would have been long
     * ago: otherwise the insert-triggered autovacuum of millions of rows (throttled, and cut short
     * whenever the server stops) runs during the measurement; it made the page latencies of
     * consecutive runs differ by more than 10 ms.
     */
    static void vacuumOnce(String superuserUrl) throws Exception {
        try (var connection = DriverManager.getConnection(superuserUrl);
             var rows = connection.createStatement().executeQuery(
                     "SELECT n_ins_since_vacuum > 100000 FROM pg_stat_user_tables WHERE relname = 'audit_events'")) {
            if (rows.next() && rows.getBoolean(1)) {
                long started = System.nanoTime();
                connection.createStatement().execute("VACUUM (ANALYZE) audit_events");
                System.out.printf("vacuumed audit_events in %.0f s%n", (System.nanoTime() - started) / 1e9);
            }
        }
    }

    /**
     * Inserts the events numbered {@code from} (inclusive) to {@code to} (exclusive): even numbers
     * belong to {@code big}, odd ones to {@code t1}..{@code t9}; event {@code i} occurred at
     * 2026-01-01 plus {@code i / 10} seconds. {@link AuditSearchStudy} tops a filled table up with it.
     */
    static void fill(String superuserUrl, long from, long to) throws Exception {
        long events = to;
        var template = new AuditJson().write(new AuditEvent(UUID.randomUUID(), "big", Instant.parse("2026-01-01T00:00:00Z"),
                "req", null, new AuditEvent.Actor("user-1", AuditEvent.ActorType.USER, List.of("reader"), List.of(), List.of(), "jwt"),
                new AuditEvent.Operation("dataset:read", "points", "dataset", "ds-1", "ds-1"),
                new AuditEvent.Outcome(AuditEvent.Result.SUCCEEDED, 200, null), null,
                new AuditEvent.Request("GET", "/storage/v1/datasets/ds-1/query", "127.0.0.1", "bench"),
                Details.of(JSON.createObjectNode().put("points", 100)), Severity.INFO, null));
        long started = System.nanoTime();
        try (var connection = DriverManager.getConnection(superuserUrl)) {
            var statement = connection.prepareStatement("""
                    INSERT INTO tenants (id, name, created_by, updated_by)
                    SELECT t, t, 'bench', 'bench' FROM unnest(ARRAY['big','t1','t2','t3','t4','t5','t6','t7','t8','t9']) AS t
                    ON CONFLICT DO NOTHING
                    """);
            statement.execute();
            // A table at least doubled (an empty one included) is filled without its secondary
            // indexes, which are built afterwards from their own definitions: inserting 10M random
            // keys into six indexes through 128 MB of shared buffers read random index pages for
            // every row (the 5M fill took 33 minutes). A small top-up keeps them. The definitions
            // are written down before the drop, so a fill that dies before rebuilding them has the
            // next fill rebuild them.
            connection.createStatement().execute(
                    "CREATE TABLE IF NOT EXISTS bench_fill_dropped_indexes (name text PRIMARY KEY, definition text NOT NULL)");
            if (to - from >= from) {
                dropSecondaryIndexes(connection);
            }
            long chunk = 1_000_000;
            for (long first = from; first < events; first += chunk) {
                try (var insert = connection.prepareStatement("""
                        INSERT INTO audit_events (tenant_id, event_id, occurred_at, request_id, actor_id, auth_method, action,
                                                  component, resource_type, resource_id, dataset_id, result, status, severity, event)
                        SELECT tenant, id, at, 'req-' || i, 'user-' || (i % 1000), 'jwt', 'dataset:read',
                               (ARRAY['points', 'datasets', 'tokens', 'audit'])[1 + i % 4], 'dataset', 'ds-' || (i % 500),
                               'ds-' || (i % 500), 'succeeded', 200, 'info',
                               jsonb_set(jsonb_set(jsonb_set(jsonb_set(?::jsonb,
                                   '{event_id}', to_jsonb(id::text)), '{tenant_id}', to_jsonb(tenant)),
                                   '{occurred_at}', to_jsonb(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))),
                                   '{request_id}', to_jsonb('req-' || i))::json
                        FROM (SELECT i, gen_random_uuid() AS id,
                                     CASE WHEN i % 2 = 0 THEN 'big' ELSE 't' || (1 + i % 9) END AS tenant,
                                     timestamptz '2026-01-01' + make_interval(secs => i / 10.0) AS at
                              FROM generate_series(?::bigint, ?::bigint) AS i) generated
                        """)) {
                    insert.setString(1, template);
                    insert.setLong(2, first);
                    insert.setLong(3, Math.min(events, first + chunk) - 1);
                    insert.executeUpdate();
                }
                System.out.printf("  %,d events inserted (%.0f s)%n", Math.min(events, first + chunk), (System.nanoTime() - started) / 1e9);
            }
            connection.createStatement().execute("SET maintenance_work_mem = '1GB'");
            rebuildDroppedIndexes(connection, started);
            connection.createStatement().execute("ANALYZE audit_events");
        }
        System.out.printf("filled %,d events in %.0f s%n", events - from, (System.nanoTime() - started) / 1e9);
    }

    /**
     * Drops audit_events' plain secondary indexes (not the primary key, which audit_pending's key
     * references, nor any unique index), each after writing its definition down.
     */
    private static void dropSecondaryIndexes(Connection connection) throws SQLException {
        var names = new ArrayList<String>();
        try (var rows = connection.createStatement().executeQuery("""
                SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
                WHERE indrelid = 'audit_events'::regclass AND NOT indisprimary AND NOT indisunique ORDER BY indexrelid""");
             var remember = connection.prepareStatement(
                     "INSERT INTO bench_fill_dropped_indexes (name, definition) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            while (rows.next()) {
                names.add(rows.getString(1));
                remember.setString(1, rows.getString(1));
                remember.setString(2, rows.getString(2));
                remember.executeUpdate();
            }
        }
        for (String name : names) {
            connection.createStatement().execute("DROP INDEX " + name);
        }
    }

    /**
     * Builds every index a fill dropped (this one or an earlier one that died), then forgets them;
     * {@code IF NOT EXISTS}, so an index an earlier fill rebuilt before dying is not built twice.
     */
    private static void rebuildDroppedIndexes(Connection connection, long started) throws SQLException {
        var definitions = new ArrayList<String>();
        try (var rows = connection.createStatement().executeQuery("SELECT definition FROM bench_fill_dropped_indexes ORDER BY name")) {
            while (rows.next()) {
                definitions.add(rows.getString(1));
            }
        }
        for (String definition : definitions) {
            connection.createStatement().execute(definition.replaceFirst("^CREATE INDEX ", "CREATE INDEX IF NOT EXISTS "));
            System.out.printf("  built %s (%.0f s)%n", definition, (System.nanoTime() - started) / 1e9);
        }
        connection.createStatement().execute("DROP TABLE bench_fill_dropped_indexes");
    }

    private HttpResponse<String> get(String pathAndQuery, String accept) throws Exception {
        var response = http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).header("Authorization", auditor)
                .header("Accept", accept).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(pathAndQuery + " -> " + response.statusCode() + " " + response.body());
        }
        return response;
    }

    private void measurePages(int runs) throws Exception {
        var first = "/api/audit/v1alpha1/events?component=points&limit=100";
        var cursor = "";
        for (int page = 0; page < 50; page++) {
            var body = JSON.readTree(get(first + cursor, "application/json").body());
            cursor = "&cursor=" + body.get("next_cursor").asText();
        }
        var deep = first + cursor;
        var actor = "/api/audit/v1alpha1/events?actor=user-42&limit=100";
        // As many warm-up requests of each shape as measured ones: a fresh JVM (and, on a reused data
        // directory, a freshly started PostgreSQL) is otherwise measured while it warms up.
        for (int warm = 0; warm < runs; warm++) {
            get(first, "application/json");
            get(deep, "application/json");
            get(actor, "application/json");
        }
        report("first page of 100, component filter", first, runs);
        report("deep page (51st) by cursor, component filter", deep, runs);
        report("first page of 100, actor filter", actor, runs);
    }

    private void report(String what, String pathAndQuery, int runs) throws Exception {
        var nanos = new ArrayList<Long>();
        for (int i = 0; i < runs; i++) {
            long started = System.nanoTime();
            get(pathAndQuery, "application/json");
            nanos.add(System.nanoTime() - started);
        }
        nanos.sort(Long::compare);
        System.out.printf("%s: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms over %d requests%n", what,
                nanos.get(nanos.size() / 2) / 1e6, nanos.get((int) (nanos.size() * 0.95)) / 1e6,
                nanos.get((int) (nanos.size() * 0.99)) / 1e6, runs);
    }

    private void measureExport() throws Exception {
        long started = System.nanoTime();
        var response = http.send(HttpRequest.newBuilder(base.resolve("/api/audit/v1alpha1/events?from=2026-01-01T00:00:00Z&to=2026-01-04T00:00:00Z"))
                .header("Authorization", auditor).header("Accept", "application/x-ndjson").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        // Counts lines by their newline bytes: decoding 1.4 GB into strings cost the client, which
        // shares the 2 cores with the server, more CPU than the server spent producing it.
        long lines = 0;
        try (var body = response.body()) {
            var buffer = new byte[1 << 16];
            for (int n; (n = body.read(buffer)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("NDJSON export: %,d events in %.1f s = %,.0f events/s%n", lines, seconds, lines / seconds);
    }
}
