package io.timestore.bench;

import io.timestore.audit.store.SealLookup;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The audit search study (docs/studies/audit-search.md): the query shapes auditors use, run on the
 * events {@link AuditQueryLoad} fills (or tops up to {@code --events}), as the runtime role inside a
 * tenant transaction exactly as the server runs its audit reads (row-level security on, the
 * tenant set with {@code set_config}), each shown once with {@code EXPLAIN (ANALYZE, BUFFERS)} and
 * then timed warm. Prints the table and index sizes and the load average beside every figure.
 *
 * <pre>
 * AuditSearchStudy --data-dir DIR [--events N] [--runs R] [--plans FILE] [--fill-only]
 *                  [--recommended-indexes] [--shapes TEXT;TEXT...]
 * </pre>
 *
 * A data directory filled by {@code AuditQueryLoad --data-dir DIR} is reused; {@code --events}
 * larger than what it holds adds the missing events with the same generator ({@code --fill-only}: and
 * measures nothing, so a fill can run while the machine is busy and the queries once it is quiet).
 * {@code --recommended-indexes} builds the study's two recommended indexes before measuring (printing
 * their build time) and drops them afterwards, so the data directory keeps the product's schema;
 * {@code --shapes} measures only the shapes whose name contains one of the texts (separated by
 * {@code ;}, as the names contain commas).
 */
public final class AuditSearchStudy {
    private static final String TENANT = "big";
    private static final String PAGE_COLUMNS = """
            SELECT e.tenant_id, e.event_id, e.occurred_at, e.event::text AS event, s.seq, s.prev_hash, s.hash
            FROM audit_events e
            """ + SealLookup.JOIN + "WHERE e.tenant_id = 'big'\n";
    private static final String NEWEST_FIRST = " ORDER BY e.occurred_at DESC, e.event_id DESC";
    private static final String WEEK = " AND e.occurred_at >= '2026-01-02T00:00:00Z' AND e.occurred_at < '2026-01-09T00:00:00Z'";

    /**
     * The indexes the study recommends (docs/studies/audit-search.md §5), not in the audit schema:
     * the dataset filter and the action + outcome filter become index ranges like the actor's.
     */
    private static final List<String> RECOMMENDED_INDEXES = List.of(
            "CREATE INDEX study_by_dataset ON audit_events (tenant_id, dataset_id, occurred_at DESC, event_id DESC)"
                    + " WHERE dataset_id IS NOT NULL",
            "CREATE INDEX study_by_action_result ON audit_events (tenant_id, action, result, occurred_at DESC, event_id DESC)");

    /** One query shape: what an auditor asks, and the SQL the audit API (or an export) runs for it. */
    private record Shape(String name, String sql) {}

    private static List<Shape> shapes() {
        return List.of(
                new Shape("actor over a week, first page of 100",
                        PAGE_COLUMNS + WEEK + " AND e.actor_id = 'user-42'" + NEWEST_FIRST + " LIMIT 100"),
                new Shape("actor over a week, every event (export)",
                        PAGE_COLUMNS + WEEK + " AND e.actor_id = 'user-42'" + NEWEST_FIRST),
                // The generator gives big the even dataset numbers only: ds-8 has 1/250 of its
                // events, ds-7 none (the worst case: the filter reads the whole partition).
                new Shape("dataset, first page of 100",
                        PAGE_COLUMNS + " AND e.dataset_id = 'ds-8'" + NEWEST_FIRST + " LIMIT 100"),
                new Shape("dataset over a week, every event (export)",
                        PAGE_COLUMNS + WEEK + " AND e.dataset_id = 'ds-8'" + NEWEST_FIRST),
                new Shape("dataset without events (ds-7), first page",
                        PAGE_COLUMNS + " AND e.dataset_id = 'ds-7'" + NEWEST_FIRST + " LIMIT 100"),
                new Shape("request id", PAGE_COLUMNS + " AND e.request_id = 'req-123456'" + NEWEST_FIRST + " LIMIT 100"),
                new Shape("action + outcome, common (dataset:read, succeeded), first page",
                        PAGE_COLUMNS + " AND e.action = 'dataset:read' AND e.result = 'succeeded'" + NEWEST_FIRST + " LIMIT 100"),
                new Shape("action + outcome, rare (dataset:write, denied: none), first page",
                        PAGE_COLUMNS + WEEK + " AND e.action = 'dataset:write' AND e.result = 'denied'" + NEWEST_FIRST + " LIMIT 100"),
                new Shape("free text in details over a week (not offered by the API)",
                        PAGE_COLUMNS + WEEK + " AND e.event->>'details' ILIKE '%needle%'" + NEWEST_FIRST + " LIMIT 100"),
                new Shape("count by day over a week", """
                        SELECT date_trunc('day', e.occurred_at AT TIME ZONE 'UTC') AS day, count(*)
                        FROM audit_events e WHERE e.tenant_id = 'big'""" + WEEK + " GROUP BY 1 ORDER BY 1"));
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = null;
        long events = 0;
        int runs = 20;
        Path plans = null;
        boolean recommendedIndexes = false;
        List<String> only = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data-dir" -> dataDir = Path.of(args[++i]);
                case "--events" -> events = Long.parseLong(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--plans" -> plans = Path.of(args[++i]);
                case "--fill-only" -> runs = 0;
                case "--recommended-indexes" -> recommendedIndexes = true;
                case "--shapes" -> only = List.of(args[++i].split(";"));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (dataDir == null) {
            throw new IllegalArgumentException("--data-dir is required (a directory AuditQueryLoad filled, or a new one)");
        }
        List<String> selected = only;
        var measured = shapes().stream().filter(shape -> selected.isEmpty() || selected.stream().anyMatch(shape.name()::contains)).toList();
        if (measured.isEmpty()) {
            throw new IllegalArgumentException("--shapes " + String.join(";", only) + " names no shape");
        }
        run(dataDir, events, runs, Optional.ofNullable(plans), recommendedIndexes, measured);
    }

    private static void run(Path dataDir, long events, int runs, Optional<Path> plans, boolean recommendedIndexes, List<Shape> measured)
            throws Exception {
        System.out.printf("machine: %d cores, %s, JDK %s; load average %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"), System.getProperty("java.version"), LoadAverage.now());
        var settings = SettingsLoader.load(Map.of("server.port", "0", "data-dir", dataDir.toString()), Optional.empty(), Map.of());
        try (var server = Timestore.start(settings, List.of())) {
            var url = server.database().target().jdbcUrl();
            var superuser = url + "?user=postgres";
            long stored = count(superuser);
            if (events > stored) {
                System.out.printf("topping up from %,d to %,d events (load average %s)%n", stored, events, LoadAverage.now());
                AuditQueryLoad.fill(superuser, stored, events);
                stored = events;
            }
            AuditQueryLoad.vacuumOnce(superuser);
            if (runs == 0) {
                sizes(superuser, stored);
                System.out.println("--fill-only: filled, nothing measured");
                return;
            }
            // A run killed while it measured with the recommended indexes left them behind.
            dropRecommendedIndexes(superuser);
            var report = new StringBuilder();
            try (var runtime = DriverManager.getConnection(url + "?user=" + server.database().target().runtimeUser())) {
                if (recommendedIndexes) {
                    buildRecommendedIndexes(superuser);
                }
                sizes(superuser, stored);
                runtime.setAutoCommit(false);
                for (var shape : measured) {
                    measure(runtime, shape, runs, stored, report);
                }
            } finally {
                if (recommendedIndexes) {
                    dropRecommendedIndexes(superuser);
                }
            }
            if (plans.isPresent()) {
                Files.writeString(plans.get(), report);
                System.out.printf("plans written to %s%n", plans.get());
            }
        }
    }

    private static void buildRecommendedIndexes(String superuserUrl) throws SQLException {
        try (var connection = DriverManager.getConnection(superuserUrl); var statement = connection.createStatement()) {
            statement.execute("SET maintenance_work_mem = '1GB'");
            for (String definition : RECOMMENDED_INDEXES) {
                long started = System.nanoTime();
                statement.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"));
                System.out.printf("built in %.0f s: %s (load average %s)%n", (System.nanoTime() - started) / 1e9, definition, LoadAverage.now());
            }
        }
    }

    private static void dropRecommendedIndexes(String superuserUrl) throws SQLException {
        try (var connection = DriverManager.getConnection(superuserUrl); var statement = connection.createStatement()) {
            for (String definition : RECOMMENDED_INDEXES) {
                String name = definition.substring("CREATE INDEX ".length(), definition.indexOf(" ON "));
                statement.execute("DROP INDEX IF EXISTS " + name);
            }
        }
    }

    /**
     * The generator's events: the fill numbers them 0.. without gaps. The server's own events (in
     * {@code _platform}: its schema watch reports the fill's index changes) are not counted.
     */
    private static long count(String superuserUrl) throws SQLException {
        try (var connection = DriverManager.getConnection(superuserUrl);
             var rows = connection.createStatement().executeQuery("SELECT count(*) FROM audit_events WHERE tenant_id <> '_platform'")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static void sizes(String superuserUrl, long stored) throws SQLException {
        try (var connection = DriverManager.getConnection(superuserUrl);
             var rows = connection.createStatement().executeQuery("""
                     SELECT c.relname, pg_relation_size(c.oid), current_setting('shared_buffers')
                     FROM pg_class c
                     WHERE c.relname = 'audit_events' OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'audit_events'::regclass)
                     ORDER BY 1""")) {
            System.out.printf("%,d events; sizes:%n", stored);
            while (rows.next()) {
                System.out.printf("  %-32s %,10.0f MB   (shared_buffers %s)%n", rows.getString(1), rows.getLong(2) / 1e6, rows.getString(3));
            }
        }
    }

    private static void measure(Connection runtime, Shape shape, int runs, long stored, StringBuilder report) throws SQLException {
        String load = LoadAverage.now();
        var plan = new StringBuilder();
        try (var statement = runtime.createStatement()) {
            inTenant(runtime);
            try (var rows = statement.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + shape.sql())) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
            runtime.commit();
        }
        report.append("## ").append(shape.name()).append(" (%,d events, load %s)%n%n".formatted(stored, load))
                .append("```sql\n").append(shape.sql().strip()).append("\n```\n\n```\n").append(plan).append("```\n\n");
        // The first timed run decides how many more: a query of seconds is repeated fewer times.
        var millis = new ArrayList<Double>();
        long rowsSeen = 0;
        for (int i = 0; i < runs; i++) {
            long started = System.nanoTime();
            rowsSeen = execute(runtime, shape.sql());
            double elapsed = (System.nanoTime() - started) / 1e6;
            millis.add(elapsed);
            if (i == 0 && elapsed > 1000) {
                runs = Math.min(runs, 3);
            }
        }
        millis.sort(Double::compare);
        System.out.printf("%-68s rows %,9d  p50 %9.2f ms  max %9.2f ms  (%d runs, load before %s)%n", shape.name(), rowsSeen,
                millis.get(millis.size() / 2), millis.getLast(), millis.size(), load);
        System.out.print(planSummary(plan));
    }

    /** The plan's first line and its buffer and timing lines: enough to read the cost at a glance. */
    private static String planSummary(StringBuilder plan) {
        var summary = new StringBuilder();
        for (String line : plan.toString().split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("->") && (trimmed.contains("Scan") || trimmed.contains("Sort")) || trimmed.startsWith("Execution Time")) {
                summary.append("      ").append(trimmed).append('\n');
            }
        }
        return summary.toString();
    }

    private static long execute(Connection runtime, String sql) throws SQLException {
        long rows = 0;
        inTenant(runtime);
        try (var statement = runtime.createStatement()) {
            statement.setFetchSize(1000);
            try (var result = statement.executeQuery(sql)) {
                while (result.next()) {
                    result.getString(1);
                    rows++;
                }
            }
        }
        runtime.commit();
        return rows;
    }

    /** What {@code db.Transactions.inTenant} does first in every tenant transaction. */
    private static void inTenant(Connection runtime) throws SQLException {
        try (var statement = runtime.prepareStatement("SELECT set_config('app.tenant_id', ?, true), set_config('app.platform', 'off', true)")) {
            statement.setString(1, TENANT);
            statement.execute();
        }
    }
}
