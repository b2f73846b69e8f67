package io.timestore.bench;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.Details;
import io.timestore.audit.Severity;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.db.Database;
import io.timestore.server.db.DatabaseTarget;
import io.timestore.server.db.Roles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The tenant-isolation study (docs/studies/tenant-isolation.md): the same per-request statements
 * Timestore runs (dataset lookup, a series lookup plus a one-day aggregate, a raw page of points,
 * an audit append) against four layouts of the same data in one embedded PostgreSQL:
 *
 * <ul>
 *   <li><b>rls</b>: the product's own tables (row-level security enabled and forced, the V14
 *       policies), as the runtime role, with {@code app.tenant_id} set per transaction;</li>
 *   <li><b>norls</b>: copies of those tables ({@code CREATE TABLE ... (LIKE ... INCLUDING ALL)}:
 *       same columns, keys and indexes, no policies) in a scratch schema, same rows, same role;</li>
 *   <li><b>schemas</b>: one schema per tenant holding such copies with that tenant's rows only,
 *       reached with {@code search_path} set per transaction;</li>
 *   <li><b>databases</b>: one database per tenant, each a copy of a database migrated with the
 *       product's real migrations (so: the whole schema, row-level security included), one
 *       connection per tenant database; only up to {@code --max-databases} tenants.</li>
 * </ul>
 *
 * The points are the row-per-point table the product stored them in when the study was first run
 * ({@code points} until V38, now {@code point_rows}, with the same columns, key and policies); the
 * product has since written new points as {@code point_batches} rows (one per series and write),
 * which this study does not measure.
 *
 * Every transaction of every layout runs the same two {@code set_config} calls first (tenant and
 * search path), so the layouts differ only in where the rows are and whether policies apply. The
 * layouts are measured interleaved, in rotating order, round after round, so that the load of
 * the shared machine falls on all of them. Reported per layout and statement: latency p50/p95
 * (client side) and the CPU time of the serving PostgreSQL backends per request; per layout and
 * tenant count: relations in the catalog, catalog size and the time of one schema change applied
 * to every tenant's copy. Also shows what each layout does when the tenant is not set.
 *
 * <pre>
 * IsolationStudy [--tenants 10,100,1000] [--max-databases 100] [--rounds 5] [--requests 200]
 * </pre>
 *
 * Works in a new temporary data directory, deleted at the end with every scratch database.
 *
 * <p>Over 500 lines because the four layouts (RLS, no policies, schema and database per tenant)
 * are built, filled and measured in one process and one run, interleaved round by round, so that
 * the load of the moment hits every layout alike.
 */
public final class IsolationStudy {
    private static final long DAY_START_NS = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z
    private static final long MINUTE_NS = 60_000_000_000L;
    private static final long HOUR_NS = 60 * MINUTE_NS;
    private static final List<String> TABLES = List.of("datasets", "series", "point_rows", "audit_events", "audit_pending");
    private static final String COUNT_POINTS = "SELECT count(*) FROM point_rows";
    private static final String SET_CONTEXT = "SELECT set_config('app.tenant_id', ?, true), set_config('search_path', ?, true)";
    private static final String LOOKUP = """
            SELECT tenant_id, id, description, labels::text, access::text, retention_days, revision, created_at, updated_at
            FROM datasets WHERE tenant_id = ? AND id = 'cpu'""";
    private static final String SERIES = """
            SELECT s.id FROM series s
            WHERE s.tenant_id = ? AND s.dataset_id = 'cpu' AND s.measurement_digest = md5('cpu') AND s.measurement = 'cpu'
            ORDER BY s.id LIMIT 1000""";
    private static final String AGGREGATE = """
            SELECT p.ts_ns - p.ts_ns % ? AS bucket, avg(p.f), count(*)
            FROM point_rows p
            WHERE p.tenant_id = ? AND p.dataset_id = 'cpu' AND p.series_id = ? AND p.ts_ns >= ? AND p.ts_ns < ?
            GROUP BY bucket ORDER BY bucket""";
    private static final String RAW = """
            SELECT s.id, s.measurement, s.tags::text, s.field, s.type, p.ts_ns, p.f, p.i, p.b, p.s
            FROM series s
            JOIN point_rows p ON p.tenant_id = s.tenant_id AND p.dataset_id = s.dataset_id AND p.series_id = s.id
            WHERE s.tenant_id = ? AND s.dataset_id = 'cpu' AND s.measurement_digest = md5('cpu') AND s.measurement = 'cpu'
              AND p.ts_ns >= ? AND p.ts_ns < ? AND (s.id, p.ts_ns) > (?, ?)
            ORDER BY s.id, p.ts_ns
            LIMIT 1000""";
    private static final List<String> STATEMENTS = List.of("dataset lookup", "series + 1-day aggregate (24 buckets)",
            "raw page of 1000 points", "audit append (1 event)");

    private final String superuserUrl;
    private final String baseUrl;
    private final DatabaseTarget target;
    private final PostgresEventStore events;
    private final SplittableRandom random = new SplittableRandom(21);
    private final List<Layout> layouts = new ArrayList<>();
    private int tenants;

    /** Where a layout keeps a tenant: the connection serving it and the search path of its transactions. */
    private record Place(Connection connection, String searchPath) {}

    /** One layout: a name and, per tenant, its place. */
    private record Layout(String name, Map<String, Place> places) {}

    private IsolationStudy(DatabaseTarget target, javax.sql.DataSource runtime) {
        this.target = target;
        // Only its append(Connection, event) is used, on each layout's own connection.
        this.events = new PostgresEventStore(runtime, new AuditJson());
        this.baseUrl = target.jdbcUrl().substring(0, target.jdbcUrl().lastIndexOf('/') + 1);
        this.superuserUrl = target.jdbcUrl() + "?user=postgres";
    }

    public static void main(String[] args) throws Exception {
        var counts = List.of(10, 100, 1000);
        int maxDatabases = 100;
        int rounds = 5;
        int requests = 200;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tenants" -> counts = java.util.Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--max-databases" -> maxDatabases = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf("machine: %d cores, %s, JDK %s; load average %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"), System.getProperty("java.version"), LoadAverage.now());
        var dataDir = Files.createTempDirectory("timestore-isolation");
        try {
            var settings = SettingsLoader.load(Map.of("server.port", "0", "data-dir", dataDir.toString()), Optional.empty(), Map.of());
            try (var server = Timestore.start(settings, List.of())) {
                var study = new IsolationStudy(server.database().target(), server.database().runtimeDataSource());
                try {
                    study.run(dataDir, counts, maxDatabases, rounds, requests);
                } finally {
                    study.dropScratch();
                }
            }
        } finally {
            ScratchDirectory.delete(dataDir);
        }
    }

    private void run(Path dataDir, List<Integer> counts, int maxDatabases, int rounds, int requests) throws Exception {
        try (var superuser = DriverManager.getConnection(superuserUrl)) {
            setUpLayouts(superuser, dataDir);
            for (int count : counts) {
                long started = System.nanoTime();
                grow(superuser, count, maxDatabases);
                System.out.printf("%n=== %,d tenants (set up in %.0f s; load average %s) ===%n", count,
                        (System.nanoTime() - started) / 1e9, LoadAverage.now());
                catalog(superuser, count);
                measure(rounds, requests);
            }
            failureModes();
        }
    }

    // ---------------------------------------------------------------- set-up

    private void setUpLayouts(Connection superuser, Path dataDir) throws Exception {
        var runtime = target.runtimeUser();
        try (var statement = superuser.createStatement()) {
            statement.execute("CREATE SCHEMA iso_norls");
            copyTables(statement, "iso_norls", runtime);
        }
        layouts.add(new Layout("rls", new LinkedHashMap<>()));
        layouts.add(new Layout("norls", new LinkedHashMap<>()));
        layouts.add(new Layout("schemas", new LinkedHashMap<>()));
        layouts.add(new Layout("databases", new LinkedHashMap<>()));
        // The template of the per-tenant databases: an empty database migrated by the product's
        // own migrations, as `timestore migrate` would do to a new database.
        Roles.ensureDatabase(superuser, "iso_template", target.ownerUser(), runtime, target.retentionUser());
        var templateDir = dataDir.resolve("template");
        Files.createDirectories(templateDir);
        var settings = SettingsLoader.load(Map.of("database.url", baseUrl + "iso_template", "database.tls.mode", "disable",
                "data-dir", templateDir.toString()), Optional.empty(), Map.of());
        var report = Database.migrateOnly(settings.database(), templateDir);
        System.out.printf("per-tenant database template: %d migrations, schema version %s%n", report.applied(), report.schemaVersion());
    }

    private static void copyTables(java.sql.Statement statement, String schema, String runtime) throws SQLException {
        for (var table : TABLES) {
            statement.execute("CREATE TABLE %s.%s (LIKE public.%s INCLUDING ALL)".formatted(schema, table, table));
        }
        statement.execute("GRANT USAGE ON SCHEMA %s TO %s".formatted(schema, runtime));
        statement.execute("GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA %s TO %s".formatted(schema, runtime));
        statement.execute("GRANT DELETE ON %s.audit_pending TO %s".formatted(schema, runtime));
        statement.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA %s TO %s".formatted(schema, runtime));
    }

    private static String tenant(int n) {
        return "iso-%05d".formatted(n);
    }

    private static String schemaOf(int n) {
        return "iso_t_%05d".formatted(n);
    }

    private static String databaseOf(int n) {
        return "iso_db_%05d".formatted(n);
    }

    /** Adds tenants up to {@code count} to every layout (the per-database one up to {@code maxDatabases}). */
    private void grow(Connection superuser, int count, int maxDatabases) throws SQLException {
        var runtime = target.runtimeUser();
        var rlsConnection = layouts.get(0).places().isEmpty() ? runtimeConnection("timestore") : layouts.get(0).places().values().iterator().next().connection();
        var norlsConnection = layouts.get(1).places().isEmpty() ? runtimeConnection("timestore") : layouts.get(1).places().values().iterator().next().connection();
        var schemasConnection = layouts.get(2).places().isEmpty() ? runtimeConnection("timestore") : layouts.get(2).places().values().iterator().next().connection();
        for (int n = tenants + 1; n <= count; n++) {
            var tenant = tenant(n);
            try (var statement = superuser.createStatement()) {
                statement.execute("INSERT INTO public.tenants (id, name, created_by, updated_by) VALUES ('%s', '%s', 'bench', 'bench')"
                        .formatted(tenant, tenant));
                statement.execute("CREATE SCHEMA " + schemaOf(n));
                copyTables(statement, schemaOf(n), runtime);
            }
            fill(superuser, "public", tenant);
            fill(superuser, "iso_norls", tenant);
            fill(superuser, schemaOf(n), tenant);
            layouts.get(0).places().put(tenant, new Place(rlsConnection, "public"));
            layouts.get(1).places().put(tenant, new Place(norlsConnection, "iso_norls"));
            layouts.get(2).places().put(tenant, new Place(schemasConnection, schemaOf(n)));
            if (n <= maxDatabases) {
                try (var statement = superuser.createStatement()) {
                    statement.execute("CREATE DATABASE %s TEMPLATE iso_template OWNER %s".formatted(databaseOf(n), target.ownerUser()));
                }
                Roles.grantDatabaseAccess(superuser, databaseOf(n), runtime, target.retentionUser());
                try (var owner = DriverManager.getConnection(baseUrl + databaseOf(n) + "?user=postgres")) {
                    try (var statement = owner.createStatement()) {
                        statement.execute("INSERT INTO tenants (id, name, created_by, updated_by) VALUES ('%s', '%s', 'bench', 'bench')"
                                .formatted(tenant, tenant));
                    }
                    fill(owner, "public", tenant);
                }
                layouts.get(3).places().put(tenant, new Place(runtimeConnection(databaseOf(n)), "public"));
            }
        }
        tenants = count;
        try (var statement = superuser.createStatement()) {
            statement.execute("ANALYZE");
        }
        for (int n = 1; n <= Math.min(count, maxDatabases); n++) {
            try (var owner = DriverManager.getConnection(baseUrl + databaseOf(n) + "?user=postgres");
                 var statement = owner.createStatement()) {
                statement.execute("ANALYZE");
            }
        }
    }

    private Connection runtimeConnection(String database) throws SQLException {
        var connection = DriverManager.getConnection(baseUrl + database + "?user=" + target.runtimeUser());
        connection.setAutoCommit(false);
        return connection;
    }

    /** One tenant's rows: a dataset, one float series, a day of points a minute apart (1,440). */
    private static void fill(Connection superuser, String schema, String tenant) throws SQLException {
        try (var statement = superuser.createStatement()) {
            statement.execute("SET search_path = " + schema + ", public");
            statement.execute("INSERT INTO datasets (tenant_id, id, created_by, updated_by) VALUES ('%s', 'cpu', 'bench', 'bench')"
                    .formatted(tenant));
            statement.execute("""
                    INSERT INTO series (tenant_id, dataset_id, measurement, tags, field, type)
                    VALUES ('%s', 'cpu', 'cpu', '{"host": "h1"}', 'usage', 'float')""".formatted(tenant));
            statement.execute("""
                    INSERT INTO point_rows (tenant_id, dataset_id, series_id, ts_ns, f)
                    SELECT '%1$s', 'cpu', (SELECT id FROM series WHERE tenant_id = '%1$s'), %2$d + g * %3$d, random() * 100
                    FROM generate_series(0, 1439) g""".formatted(tenant, DAY_START_NS, MINUTE_NS));
            statement.execute("SET search_path = public");
        }
    }

    // ---------------------------------------------------------------- catalog and migrations

    private void catalog(Connection superuser, int count) throws SQLException {
        System.out.println("catalog and schema changes:");
        try (var statement = superuser.createStatement()) {
            try (var rows = statement.executeQuery("""
                    SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'),
                           (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'iso_norls'),
                           (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname LIKE 'iso\\_t\\_%'),
                           (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relnamespace = 'pg_catalog'::regnamespace),
                           pg_database_size(current_database())""")) {
                rows.next();
                System.out.printf("  product database: %d relations in public (rls), %d in iso_norls, %d in the %d tenant schemas; "
                                + "its catalog (pg_catalog) %.1f MB, the whole database %.1f MB%n",
                        rows.getLong(1), rows.getLong(2), rows.getLong(3), count, rows.getLong(4) / 1e6, rows.getLong(5) / 1e6);
            }
            try (var rows = statement.executeQuery("""
                    SELECT count(*), coalesce(sum(pg_database_size(datname)), 0) FROM pg_database WHERE datname LIKE 'iso\\_db\\_%'""")) {
                rows.next();
                System.out.printf("  per-tenant databases: %d, %.1f MB together (%.1f MB each; template: the full product schema)%n",
                        rows.getLong(1), rows.getLong(2) / 1e6, rows.getLong(2) / 1e6 / Math.max(1, rows.getLong(1)));
            }
        }
        // One migration (a column added, then dropped again) applied once (rls, norls) or once per tenant.
        var timings = new LinkedHashMap<String, Double>();
        timings.put("rls (once)", change(superuser, List.of("public")));
        var schemas = new ArrayList<String>();
        for (int n = 1; n <= count; n++) {
            schemas.add(schemaOf(n));
        }
        timings.put("schemas (x%d)".formatted(count), change(superuser, schemas));
        long started = System.nanoTime();
        int databases = layouts.get(3).places().size();
        for (int n = 1; n <= databases; n++) {
            try (var owner = DriverManager.getConnection(baseUrl + databaseOf(n) + "?user=postgres")) {
                change(owner, List.of("public"));
            }
        }
        timings.put("databases (x%d, a connection each)".formatted(databases), (System.nanoTime() - started) / 1e6);
        timings.forEach((what, ms) -> System.out.printf("  ALTER TABLE point_rows ADD COLUMN + DROP COLUMN, %s: %.0f ms%n", what, ms));
    }

    private static double change(Connection connection, List<String> schemas) throws SQLException {
        long started = System.nanoTime();
        try (var statement = connection.createStatement()) {
            for (var schema : schemas) {
                statement.execute("ALTER TABLE %s.point_rows ADD COLUMN study_note text".formatted(schema));
            }
            for (var schema : schemas) {
                statement.execute("ALTER TABLE %s.point_rows DROP COLUMN study_note".formatted(schema));
            }
        }
        return (System.nanoTime() - started) / 1e6;
    }

    // ---------------------------------------------------------------- requests

    private void measure(int rounds, int requests) throws SQLException {
        var active = layouts.stream().filter(l -> l.places().size() == tenants).toList();
        // [layout][statement] -> latencies; [layout][statement] -> backend CPU nanos
        var latencies = new LinkedHashMap<String, List<List<Long>>>();
        var cpu = new LinkedHashMap<String, long[]>();
        for (var layout : active) {
            var perStatement = new ArrayList<List<Long>>();
            STATEMENTS.forEach(s -> perStatement.add(new ArrayList<>()));
            latencies.put(layout.name(), perStatement);
            cpu.put(layout.name(), new long[STATEMENTS.size()]);
        }
        for (var layout : active) {
            for (int statement = 0; statement < STATEMENTS.size(); statement++) {
                requests(layout, statement, requests, new ArrayList<>());
            }
        }
        String loadBefore = LoadAverage.now();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < active.size(); i++) {
                var layout = active.get((round + i) % active.size());
                for (int statement = 0; statement < STATEMENTS.size(); statement++) {
                    long before = backendCpu(layout);
                    requests(layout, statement, requests, latencies.get(layout.name()).get(statement));
                    cpu.get(layout.name())[statement] += backendCpu(layout) - before;
                }
            }
        }
        System.out.printf("requests: %d rounds x %d requests per layout and statement, random tenant each, "
                + "load average %s before, %s after%n", rounds, requests, loadBefore, LoadAverage.now());
        System.out.printf("  %-10s %-40s %10s %10s %14s%n", "layout", "statement", "p50 ms", "p95 ms", "backend CPU ms");
        for (int statement = 0; statement < STATEMENTS.size(); statement++) {
            for (var layout : active) {
                var sorted = new ArrayList<>(latencies.get(layout.name()).get(statement));
                sorted.sort(Long::compare);
                System.out.printf("  %-10s %-40s %10.3f %10.3f %14.3f%n", layout.name(), STATEMENTS.get(statement),
                        sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.95)) / 1e6,
                        cpu.get(layout.name())[statement] / 1e6 / sorted.size());
            }
        }
    }

    private long backendCpu(Layout layout) throws SQLException {
        long total = 0;
        for (var connection : layout.places().values().stream().map(Place::connection).distinct().toList()) {
            total += CpuUsage.processNanos(connection.unwrap(org.postgresql.PGConnection.class).getBackendPID());
        }
        return total;
    }

    private void requests(Layout layout, int statement, int count, List<Long> latencies) throws SQLException {
        var names = new ArrayList<>(layout.places().keySet());
        for (int i = 0; i < count; i++) {
            var tenant = names.get(random.nextInt(names.size()));
            var place = layout.places().get(tenant);
            long started = System.nanoTime();
            request(place, tenant, statement);
            latencies.add(System.nanoTime() - started);
        }
    }

    /** One transaction as Timestore runs it: set the context, the statement(s), commit. */
    private void request(Place place, String tenant, int statement) throws SQLException {
        var connection = place.connection();
        try (var context = connection.prepareStatement(SET_CONTEXT)) {
            context.setString(1, tenant);
            context.setString(2, place.searchPath());
            context.execute();
        }
        switch (statement) {
            case 0 -> {
                try (var lookup = connection.prepareStatement(LOOKUP)) {
                    lookup.setString(1, tenant);
                    expectRows(lookup, 1);
                }
            }
            case 1 -> {
                long series;
                try (var find = connection.prepareStatement(SERIES)) {
                    find.setString(1, tenant);
                    try (var rows = find.executeQuery()) {
                        rows.next();
                        series = rows.getLong(1);
                    }
                }
                try (var aggregate = connection.prepareStatement(AGGREGATE)) {
                    aggregate.setLong(1, HOUR_NS);
                    aggregate.setString(2, tenant);
                    aggregate.setLong(3, series);
                    aggregate.setLong(4, DAY_START_NS);
                    aggregate.setLong(5, DAY_START_NS + 24 * HOUR_NS);
                    expectRows(aggregate, 24);
                }
            }
            case 2 -> {
                try (var raw = connection.prepareStatement(RAW)) {
                    raw.setString(1, tenant);
                    raw.setLong(2, DAY_START_NS);
                    raw.setLong(3, DAY_START_NS + 24 * HOUR_NS);
                    raw.setLong(4, 0);
                    raw.setLong(5, Long.MIN_VALUE);
                    expectRows(raw, 1000);
                }
            }
            default -> events.append(connection, event(tenant));
        }
        connection.commit();
    }

    private static void expectRows(java.sql.PreparedStatement statement, int expected) throws SQLException {
        int rows = 0;
        try (var result = statement.executeQuery()) {
            while (result.next()) {
                result.getString(1);
                rows++;
            }
        }
        if (rows != expected) {
            throw new IllegalStateException("expected %d rows, got %d".formatted(expected, rows));
        }
    }

    private static AuditEvent event(String tenant) {
        return new AuditEvent(UUID.randomUUID(), tenant, Instant.now(), "req-" + UUID.randomUUID(), null,
                new AuditEvent.Actor("user-1", AuditEvent.ActorType.USER, List.of("writer"), List.of(), List.of(), "jwt"),
                new AuditEvent.Operation("dataset:write", "points", "dataset", "cpu", "cpu"),
                new AuditEvent.Outcome(AuditEvent.Result.SUCCEEDED, 204, null), null,
                new AuditEvent.Request("POST", "/storage/v1/datasets/cpu/points", "127.0.0.1", "bench"),
                Details.of(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("points", 100)), Severity.INFO, null);
    }

    // ---------------------------------------------------------------- failure modes

    /**
     * What each layout answers when code gets isolation wrong: a statement without its tenant
     * filter, a transaction that never names its tenant, a table's owner or a superuser, and a
     * statement that names another tenant's rows or schema.
     */
    private void failureModes() throws SQLException {
        var runtime = target.runtimeUser();
        var one = tenant(1);
        System.out.printf("%nfailure modes (points visible; each tenant has 1,440, the layouts %,d together):%n", 1440L * tenants);
        forgotten("rls: tenant set, statement forgets WHERE tenant_id", runtime, one, "public", COUNT_POINTS);
        forgotten("norls: tenant set, statement forgets WHERE tenant_id", runtime, one, "iso_norls", COUNT_POINTS);
        forgotten("rls: tenant never set", runtime, null, "public", COUNT_POINTS);
        forgotten("schemas: search_path never set (role default \"$user\", public)", runtime, null, null, COUNT_POINTS);
        forgotten("rls: as the tables' owner (FORCE applies), tenant never set", target.ownerUser(), null, "public",
                COUNT_POINTS);
        forgotten("rls: as a superuser (always bypasses), tenant never set", "postgres", null, "public", COUNT_POINTS);
        forgotten("rls: tenant 1 names tenant 2's rows", runtime, one, "public",
                "SELECT count(*) FROM point_rows WHERE tenant_id = '%s'".formatted(tenant(2)));
        forgotten("schemas: tenant 1's transaction names tenant 2's schema", runtime, one, schemaOf(1),
                "SELECT count(*) FROM %s.point_rows".formatted(schemaOf(2)));
        var join = "SELECT count(*) FROM datasets d JOIN point_rows p ON p.dataset_id = d.id WHERE d.tenant_id = '%s'".formatted(one);
        forgotten("rls: join on dataset_id only (tenant 1's dataset, points of any 'cpu')", runtime, one, "public", join);
        forgotten("norls: join on dataset_id only (tenant 1's dataset, points of any 'cpu')", runtime, one, "iso_norls", join);
    }

    private void forgotten(String what, String user, String tenant, String searchPath, String sql) throws SQLException {
        try (var connection = DriverManager.getConnection(baseUrl + "timestore?user=" + user)) {
            connection.setAutoCommit(false);
            try (var statement = connection.createStatement()) {
                if (tenant != null) {
                    statement.execute("SELECT set_config('app.tenant_id', '%s', true)".formatted(tenant));
                }
                if (searchPath != null) {
                    statement.execute("SELECT set_config('search_path', '%s', true)".formatted(searchPath));
                }
                try (var rows = statement.executeQuery(sql)) {
                    rows.next();
                    System.out.printf("  %-72s -> %,d%n", what, rows.getLong(1));
                }
            } catch (SQLException e) {
                System.out.printf("  %-72s -> error %s: %s%n", what, e.getSQLState(), e.getMessage().lines().findFirst().orElse(""));
            } finally {
                connection.rollback();
            }
        }
    }

    // ---------------------------------------------------------------- clean-up

    private void dropScratch() {
        for (var layout : layouts) {
            for (var connection : layout.places().values().stream().map(Place::connection).distinct().toList()) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // closing anyway
                }
            }
        }
        try (var superuser = DriverManager.getConnection(superuserUrl);
             var statement = superuser.createStatement();
             var rows = superuser.createStatement().executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'iso\\_%'")) {
            var names = new ArrayList<String>();
            while (rows.next()) {
                names.add(rows.getString(1));
            }
            for (var name : names) {
                statement.execute("DROP DATABASE " + name + " WITH (FORCE)");
            }
            System.out.printf("dropped %d scratch databases%n", names.size());
        } catch (SQLException e) {
            System.out.println("could not drop the scratch databases: " + e.getMessage());
        }
    }
}
