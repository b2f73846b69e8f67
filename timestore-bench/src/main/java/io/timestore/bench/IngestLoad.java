package io.timestore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.security.TenantId;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.identity.DevIssuer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.PGConnection;

/**
 * The HTTP load generator of issues 4 and 6: starts a real Timestore (embedded PostgreSQL, fsync
 * on) in this JVM and measures, in one run,
 * <ol>
 *   <li>line-protocol ingestion through {@code POST /api/v2/write} (API token, row-level security
 *       on) with {@code --writers} concurrent writers and {@code --batch}-line bodies, against a
 *       binary COPY of the same rows into an unprotected table of the same shape in the same
 *       cluster, and the heap after GC before and after;</li>
 *   <li>an aggregate query (24 h at 1 min, avg over 8,640 points at 10 s) through HTTP against the
 *       same SQL run directly as the superuser;</li>
 *   <li>the audit wait of a read route under paced (open-loop) load, from the server's
 *       {@code timestore_audit_wait_seconds} histogram.</li>
 * </ol>
 * Before the query and audit phases the COPY table is dropped, the ingested tables vacuumed and
 * the cluster checkpointed (see {@code settle}).
 *
 * <p>Options: {@code --points N} (default 10,000,000), {@code --batch N} (5,000), {@code --writers N}
 * (4), {@code --series N} (1,000), {@code --query-runs N} (300), {@code --rate N[,N...]} (2,000 req/s, one paced run per rate),
 * {@code --audit-seconds N} (30), {@code --audit-warmup-seconds N} (30), {@code --connections N} (256 keep-alive
 * connections of the paced run), {@code --audit-path P} (the paced run's route instead of the cheap read),
 * {@code --many-series-runs N} (50 aggregates over every ingested series, after the query phase when ingesting),
 * {@code --grafana-runs N} (200 pairs of the Grafana panel query, InfluxQL and native, in the phase {@code grafana}, run only when named),
 * {@code --heap-every-seconds N} (0: off; the heap after a full GC every N s of the ingestion, with
 * what the compactor has folded, see {@link HeapTimeline}),
 * {@code --phases ingest,copy,query,audit} (all but grafana), {@code --set.<setting> value} (a
 * server setting, for experiments), {@code --turns FILE --turn A|B --turn-slices N} (an A/B of two
 * builds taking turns on one machine: ingestion, warm-up and N paced slices of the cheap read, see
 * {@link Turns} and {@link PairedSlices}; the other phases are not run).
 * The results go to standard output; see docs/benchmarks.md.
 *
 * <p>One long file so that one command produces every figure of a run from one server and one
 * cluster; its phases follow each other below in the order they run.
 *
 * <p>Over 700 lines because its phases (ingest, copy, query, audit) run against one data set and
 * one server in the same run, so that their figures are comparable; each phase is a method of its
 * own and the shared measuring is in {@link CpuUsage} and {@link KeepAliveClient}.
 */
public final class IngestLoad {
    static final String TENANT = "bench";
    static final String DATASET = "cpu";
    private static final long T0_NS = LinePayload.T0_NS;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> options;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private Timestore server;
    private URI base;
    private String apiToken;
    private String superuserUrl;
    private CpuUsage cpu;

    private final Turns turns;

    private IngestLoad(Map<String, String> options) {
        this.options = options;
        this.turns = options.containsKey("turns") ? new Turns(Path.of(options.get("turns")), options.getOrDefault("turn", "")) : null;
    }

    public static void main(String[] args) throws Exception {
        new IngestLoad(BenchOptions.parse(args)).run();
        System.exit(0);
    }

    private long option(String name, long fallback) {
        return BenchOptions.number(options, name, fallback);
    }

    private boolean phase(String name) {
        return Arrays.asList(options.getOrDefault("phases", "ingest,copy,query,audit").split(",")).contains(name);
    }

    private void run() throws Exception {
        printMachine();
        Path dataDir = Files.createTempDirectory("timestore-bench");
        Map<String, String> flags = new LinkedHashMap<>(Map.of("server.port", "0", "data-dir", dataDir.toString()));
        options.forEach((k, v) -> {
            if (k.startsWith("set.")) { // --set.database.pool-size 32: a server setting for an experiment
                flags.put(k.substring(4), v);
            }
        });
        System.out.println("server settings: " + flags);
        var settings = SettingsLoader.load(flags, Optional.empty(), Map.of("TIMESTORE_DEV_ISSUER", "on"));
        long started = System.nanoTime();
        server = Timestore.start(settings, List.of());
        System.out.printf("server started in %.1f s on port %d, data dir %s%n", (System.nanoTime() - started) / 1e9,
                server.port(), dataDir);
        base = server.baseUri();
        cpu = new CpuUsage(dataDir.resolve("postgres"));
        String jdbc = server.database().target().jdbcUrl();
        superuserUrl = jdbc + (jdbc.contains("?") ? "&" : "?") + "user=postgres";
        try {
            setUp();
            if (turns != null) {
                takingTurns();
                return;
            }
            if (phase("ingest")) {
                ingest();
            }
            if (phase("copy")) {
                copy();
            }
            if (phase("query")) {
                settle();
                query();
                if (phase("ingest")) {
                    queryManySeries();
                }
            }
            if (phase("grafana")) {
                settle();
                grafanaPanel();
            }
            if (phase("audit")) {
                settle();
                for (String rate : options.getOrDefault("rate", "2000").split(",")) {
                    auditWait(Integer.parseInt(rate.trim()));
                }
            }
            System.out.printf("load average at the end: %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        } finally {
            server.close();
            ScratchDirectory.delete(dataDir);
        }
    }

    private static void printMachine() {
        System.out.printf("load average at the start: %.2f (other processes share this machine)%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf("date %s, %d processors, %s %s (%s), max heap %d MiB%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), System.getProperty("os.arch"),
                Runtime.getRuntime().maxMemory() >> 20);
    }

    // ---------------------------------------------------------------- set-up

    private void setUp() throws Exception {
        apiToken = setUpTenant(server, client);
    }

    /** Creates the tenant {@value #TENANT}, its dataset {@value #DATASET} and an API token to write and read it; returns the token. */
    static String setUpTenant(Timestore server, HttpClient client) throws Exception {
        DevIssuer issuer = server.devIssuer().orElseThrow();
        URI base = server.baseUri();
        String operator = issuer.mint(new DevIssuer.Grant("operator", Optional.of(new TenantId("operators")),
                List.of("platform-operator"), List.of(), Duration.ofMinutes(15)));
        expect(201, post(client, base, "/admin/v1/tenants", "{\"id\": \"" + TENANT + "\", \"name\": \"Bench\"}", "Bearer " + operator));
        String admin = issuer.mint(new DevIssuer.Grant("admin@" + TENANT, Optional.of(new TenantId(TENANT)),
                List.of("tenant-admin"), List.of(), Duration.ofMinutes(15)));
        expect(201, post(client, base, "/storage/v1/datasets", "{\"id\": \"" + DATASET + "\"}", "Bearer " + admin));
        var token = expect(201, post(client, base, "/admin/v1/tokens", """
                {"name": "bench", "permissions": [{"action": "dataset:write"}, {"action": "dataset:read"}]}
                """, "Bearer " + admin));
        System.out.println("tenant, dataset and API token created");
        return JSON.readTree(token.body()).get("token").asText();
    }

    private static HttpResponse<String> post(HttpClient client, URI base, String path, String body, String authorization)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", authorization)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> expect(int status, HttpResponse<String> response) {
        if (response.statusCode() != status) {
            throw new IllegalStateException("%s answered %d: %s".formatted(response.uri(), response.statusCode(), response.body()));
        }
        return response;
    }

    // ---------------------------------------------------------------- ingestion

    private void ingest() throws Exception {
        long points = option("points", 10_000_000);
        int batch = (int) option("batch", 5_000);
        int writers = (int) option("writers", 4);
        int series = (int) option("series", 1_000);
        var payload = new LinePayload("cpu", series, 1_000_000_000L);
        var write = writers();
        // A warm-up outside the measured series: JIT, pools, series creation.
        for (int i = 0; i < 20; i++) {
            write.send(payload.lines(-(long) (i + 1) * batch - 1_000_000_000L, batch));
        }
        long heapBefore = heapAfterGc();
        System.out.printf("ingest: %,d points, %,d-line batches, %d writers, %,d series; heap after GC at start %.1f MiB%n",
                points, batch, writers, series, heapBefore / 1048576.0);
        var cpuBefore = cpu.sample();
        LineWriters.Result result;
        int heapEvery = (int) option("heap-every-seconds", 0);
        if (heapEvery > 0) {
            try (var timeline = new HeapTimeline(heapEvery, this::foldedSoFar)) {
                result = write.run(payload, 0, points, batch, writers);
            }
        } else {
            result = write.run(payload, 0, points, batch, writers);
        }
        var cpuAfter = cpu.sample();
        // CPU time varies far less between runs on this machine than throughput does.
        System.out.println("RESULT ingest-cpu per 1,000 points: " + cpuBefore.perRequest(cpuAfter, result.points() / 1_000));
        long heapAfter = heapAfterGc();
        System.out.printf("RESULT ingest-http: %,d points in %.1f s = %,.0f points/s; batch latency median %.1f ms, p95 %.1f ms%n",
                result.points(), result.seconds(), result.pointsPerSecond(), result.medianNs() / 1e6, result.p95Ns() / 1e6);
        System.out.printf("RESULT heap-after-gc: start %.1f MiB, end %.1f MiB%n", heapBefore / 1048576.0, heapAfter / 1048576.0);
        ingestRate = result.pointsPerSecond();
        if (existing(List.of("point_batches")).size() == 1) { // an A/B's earlier build stored one row per point
            System.out.printf("  rows in point_batches (one per series and write): %,d; in point_rows: %,d%n",
                    countRows("SELECT count(*) FROM point_batches WHERE tenant_id = 'bench'"),
                    countRows("SELECT count(*) FROM point_rows WHERE tenant_id = 'bench'"));
        }
    }

    private double ingestRate = Double.NaN;

    private LineWriters writers() {
        return new LineWriters(base.resolve("/api/v2/write?org=%s&bucket=%s&precision=ns".formatted(TENANT, DATASET)),
                "Token " + apiToken);
    }

    private static long heapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    // ---------------------------------------------------------------- raw COPY baseline

    private Connection superuser() throws SQLException {
        return DriverManager.getConnection(superuserUrl);
    }

    /** What the compactor has folded so far (point_chunks is small: one row per series and hour). */
    private String foldedSoFar() throws SQLException {
        try (var c = superuser(); var s = c.createStatement();
             var rows = s.executeQuery("SELECT count(*), coalesce(sum(point_count), 0) FROM point_chunks WHERE tenant_id = 'bench'")) {
            rows.next();
            return "%,d chunks holding %,d points".formatted(rows.getLong(1), rows.getLong(2));
        }
    }

    /** Those of {@code tables} that exist in the server's schema. */
    private List<String> existing(List<String> tables) throws SQLException {
        var found = new ArrayList<String>();
        try (var c = superuser(); var s = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            for (String table : tables) {
                s.setString(1, table);
                try (var rows = s.executeQuery()) {
                    rows.next();
                    if (rows.getBoolean(1)) {
                        found.add(table);
                    }
                }
            }
        }
        return found;
    }

    private long countRows(String sql) throws SQLException {
        try (var c = superuser(); var s = c.createStatement(); var rows = s.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private void copy() throws Exception {
        double rate = copyBaseline(superuserUrl, new LinePayload("cpu", (int) option("series", 1_000), 1_000_000_000L), 0,
                option("points", 10_000_000), (int) option("batch", 5_000), (int) option("writers", 4));
        if (!Double.isNaN(ingestRate)) {
            System.out.printf("RESULT ingest-ratio: HTTP line protocol / binary COPY = %.2fx%n", ingestRate / rate);
        }
    }

    /**
     * The baseline of issues 4 and 23: a binary COPY of points {@code [from, from + points)} of
     * {@code payload} into {@code bench_scratch.points}, an unprotected table of the shape of
     * {@code points} (V6) without row-level security, by {@code writers} superuser connections,
     * {@code batch} rows per COPY; prints and returns the rows per second.
     */
    static double copyBaseline(String superuserUrl, LinePayload payload, long from, long points, int batch, int writers)
            throws Exception {
        long batches = points / batch;
        try (var c = DriverManager.getConnection(superuserUrl); var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS bench_scratch CASCADE");
            s.execute("CREATE SCHEMA bench_scratch");
            // The shape of points (V6__points.sql) without row-level security.
            s.execute("""
                    CREATE TABLE bench_scratch.points (
                        tenant_id text NOT NULL, dataset_id text NOT NULL, series_id bigint NOT NULL, ts_ns bigint NOT NULL,
                        f float8, i bigint, b boolean, s text,
                        PRIMARY KEY (tenant_id, dataset_id, series_id, ts_ns))
                    """);
        }
        var next = new AtomicLong();
        var done = new AtomicLong();
        var failures = new ConcurrentLinkedQueue<Throwable>();
        var finished = new CountDownLatch(writers);
        long started = System.nanoTime();
        for (int w = 0; w < writers; w++) {
            Thread.ofPlatform().name("copier-" + w).start(() -> {
                try (var c = DriverManager.getConnection(superuserUrl)) {
                    var copier = c.unwrap(PGConnection.class).getCopyAPI();
                    for (long b; (b = next.getAndIncrement()) < batches; ) {
                        byte[] body = payload.binaryRows(from + b * batch, batch, TENANT, DATASET);
                        long n = copier.copyIn("COPY bench_scratch.points FROM STDIN (FORMAT binary)", new ByteArrayInputStream(body));
                        done.addAndGet(n);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                    next.set(batches);
                } finally {
                    finished.countDown();
                }
            });
        }
        finished.await();
        double seconds = (System.nanoTime() - started) / 1e9;
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a copier failed", failures.peek());
        }
        double rate = done.get() / seconds;
        System.out.printf("RESULT copy-binary: %,d rows in %.1f s = %,.0f rows/s (%d connections, %,d-row COPY per transaction)%n",
                done.get(), seconds, rate, writers, batch);
        return rate;
    }

    // ---------------------------------------------------------------- query latency

    static final long DAY_NS = 86_400L * 1_000_000_000L;
    /** The start of the query phase's day, a day of its own ten days before the ingestion data. */
    static final long QUERY_DAY_START_NS = T0_NS - 10 * DAY_NS;

    /** The query phase's series {@code q,host=query value=...}: one day of 8,640 points at 10 s from {@link #QUERY_DAY_START_NS}. */
    static byte[] queryDay() {
        var body = new StringBuilder();
        for (int i = 0; i < 8_640; i++) {
            body.append("q,host=query value=").append(Math.sin(i / 100.0) * 50 + 50).append(' ')
                    .append(QUERY_DAY_START_NS + i * 10_000_000_000L).append('\n');
        }
        return body.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private void query() throws Exception {
        int runs = (int) option("query-runs", 300);
        long day = DAY_NS;
        long start = QUERY_DAY_START_NS;
        writers().send(queryDay());
        long seriesId;
        try (var c = superuser(); var s = c.prepareStatement(
                "SELECT id FROM series WHERE tenant_id = ? AND dataset_id = ? AND measurement = 'q' AND field = 'value'")) {
            s.setString(1, TENANT);
            s.setString(2, DATASET);
            try (var rows = s.executeQuery()) {
                rows.next();
                seriesId = rows.getLong(1);
            }
        }
        long end = start + day;
        long step = 60_000_000_000L;
        URI uri = base.resolve("/storage/v1/datasets/%s/query?measurement=q&field=value&tag.host=query&start=%d&end=%d&step=1m&agg=avg"
                .formatted(DATASET, start, end));
        var request = HttpRequest.newBuilder(uri).header("Authorization", "Token " + apiToken).GET().build();
        // The server's aggregate statement (QueryStore.AGGREGATE with avg over a float series).
        String sql = """
                SELECT CASE WHEN p.ts_ns < ? THEN ?::bigint
                            ELSE p.ts_ns - CASE WHEN p.ts_ns % ? < 0 THEN p.ts_ns % ? + ? ELSE p.ts_ns % ? END END AS bucket,
                       avg(p.f)::float8
                FROM points p
                WHERE p.tenant_id = ? AND p.dataset_id = ? AND p.series_id = ? AND p.ts_ns >= ? AND p.ts_ns < ?
                GROUP BY bucket ORDER BY bucket
                """;
        List<Long> http = new ArrayList<>();
        List<Long> direct = new ArrayList<>();
        Map<String, Double> before = Map.of();
        try (var c = superuser(); var s = c.prepareStatement(sql)) {
            for (int i = 0; i < 100 + runs; i++) {
                if (i == 100) {
                    before = timerSums(client, base);
                }
                long t = System.nanoTime();
                int rowsSeen = 0;
                s.setLong(1, Long.MIN_VALUE / step * step);
                s.setLong(2, Long.MIN_VALUE);
                for (int p = 3; p <= 6; p++) {
                    s.setLong(p, step);
                }
                s.setString(7, TENANT);
                s.setString(8, DATASET);
                s.setLong(9, seriesId);
                s.setLong(10, start);
                s.setLong(11, end);
                try (var rows = s.executeQuery()) {
                    while (rows.next()) {
                        rows.getLong(1);
                        rows.getDouble(2);
                        rowsSeen++;
                    }
                }
                long sqlTime = System.nanoTime() - t;
                t = System.nanoTime();
                var response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                long httpTime = System.nanoTime() - t;
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("query answered " + response.statusCode() + ": " + new String(response.body()));
                }
                if (i == 0) {
                    JsonNode json = JSON.readTree(response.body());
                    int points = json.get("series").get(0).get("points").size();
                    System.out.printf("query: %d windows over HTTP, %d rows over JDBC, %d bytes of JSON%n", points, rowsSeen,
                            response.body().length);
                }
                if (i >= 100) { // the first 100 pairs warm both paths
                    direct.add(sqlTime);
                    http.add(httpTime);
                }
            }
        }
        double hm = percentile(http, 0.5) / 1e6;
        double sm = percentile(direct, 0.5) / 1e6;
        System.out.printf("RESULT query-http: %d runs, median %.2f ms, p95 %.2f ms%n", runs, hm, percentile(http, 0.95) / 1e6);
        System.out.printf("RESULT query-sql: %d runs, median %.2f ms, p95 %.2f ms%n", runs, sm, percentile(direct, 0.95) / 1e6);
        System.out.printf("RESULT query-ratio: median HTTP / median SQL = %.2fx%n", hm / sm);
        // Where the server spent the route's time, from its own timers over the measured runs
        // (means, so they do not add up to the medians above exactly).
        printTimerMeans(before, timerSums(client, base), List.of("timestore_http_server_requests_seconds",
                "timestore_query_duration_seconds", "timestore_audit_wait_seconds", "timestore_audit_group_commit_duration_seconds"));
    }

    /** Prints, for each of {@code timers}, its observations between two {@link #timerSums} and their mean. */
    static void printTimerMeans(Map<String, Double> before, Map<String, Double> after, List<String> timers) {
        for (String timer : timers) {
            double count = after.getOrDefault(timer + "_count", 0.0) - before.getOrDefault(timer + "_count", 0.0);
            double sum = after.getOrDefault(timer + "_sum", 0.0) - before.getOrDefault(timer + "_sum", 0.0);
            System.out.printf("  server %s: %.0f observations, mean %.3f ms%n", timer, count, count == 0 ? 0 : sum / count * 1e3);
        }
    }

    /**
     * An aggregate over every ingested series at once (the first minute of the ingested data at a
     * one-minute step: 1,000 series of 60 points each by default), through HTTP: what a dashboard
     * panel grouping all hosts asks for.
     */
    private void queryManySeries() throws Exception {
        int runs = (int) option("many-series-runs", 50);
        URI uri = base.resolve("/storage/v1/datasets/%s/query?measurement=cpu&field=usage&start=%d&end=%d&step=1m&agg=avg"
                .formatted(DATASET, T0_NS, T0_NS + 60_000_000_000L));
        var request = HttpRequest.newBuilder(uri).header("Authorization", "Token " + apiToken).GET().build();
        List<Long> http = new ArrayList<>();
        int seriesSeen = 0;
        for (int i = 0; i < 10 + runs; i++) {
            long t = System.nanoTime();
            var response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            long took = System.nanoTime() - t;
            if (response.statusCode() != 200) {
                throw new IllegalStateException("query answered " + response.statusCode() + ": " + new String(response.body()));
            }
            if (i == 0) {
                seriesSeen = JSON.readTree(response.body()).get("series").size();
            }
            if (i >= 10) { // the first 10 warm the path
                http.add(took);
            }
        }
        System.out.printf("RESULT query-many-series: %d series, %d runs, median %.2f ms, p95 %.2f ms%n", seriesSeen, runs,
                percentile(http, 0.5) / 1e6, percentile(http, 0.95) / 1e6);
    }

    /**
     * The Grafana dashboard shape of issue 22: the mean over 24 h at 1 min, grouped by one tag of
     * 10 values (10 series of 8,640 points at 10 s, in a measurement of their own), through
     * InfluxQL on {@code /query} and through the native route ({@code group_by=host&fill=null}),
     * alternating request by request in one run; the medians and their ratio (the issue's target:
     * /query at most 1.2x native).
     */
    private void grafanaPanel() throws Exception {
        int runs = (int) option("grafana-runs", 200);
        int hosts = 10;
        long day = 86_400L * 1_000_000_000L;
        long start = T0_NS - 20 * day; // a day of its own, before the other phases' data
        var writer = writers();
        for (int host = 0; host < hosts; host++) {
            var body = new StringBuilder();
            for (int i = 0; i < 8_640; i++) {
                body.append("grafana,host=g").append(host).append(" value=").append(Math.sin(i / 100.0 + host) * 50 + 50).append(' ')
                        .append(start + i * 10_000_000_000L).append('\n');
            }
            writer.send(body.toString().getBytes(StandardCharsets.US_ASCII));
        }
        long end = start + day;
        String influxQl = "SELECT mean(\"value\") FROM \"grafana\" WHERE time >= %dms AND time < %dms GROUP BY time(1m), \"host\" fill(null)"
                .formatted(start / 1_000_000, end / 1_000_000);
        var influx = HttpRequest.newBuilder(base.resolve("/query?db=%s&epoch=ms&q=%s".formatted(DATASET,
                java.net.URLEncoder.encode(influxQl, StandardCharsets.UTF_8)))).header("Authorization", "Token " + apiToken).GET().build();
        var nativeQuery = HttpRequest.newBuilder(base.resolve(
                        "/storage/v1/datasets/%s/query?measurement=grafana&field=value&start=%d&end=%d&step=1m&agg=mean&group_by=host&fill=null"
                                .formatted(DATASET, start, end))).header("Authorization", "Token " + apiToken).GET().build();
        List<Long> influxTimes = new ArrayList<>();
        List<Long> nativeTimes = new ArrayList<>();
        for (int i = 0; i < 20 + runs; i++) { // the first 20 pairs warm both paths
            long t = System.nanoTime();
            var fromInflux = client.send(influx, HttpResponse.BodyHandlers.ofByteArray());
            long influxTime = System.nanoTime() - t;
            t = System.nanoTime();
            var fromNative = client.send(nativeQuery, HttpResponse.BodyHandlers.ofByteArray());
            long nativeTime = System.nanoTime() - t;
            for (var response : List.of(fromInflux, fromNative)) {
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("%s answered %d: %s".formatted(response.uri(), response.statusCode(),
                            new String(response.body(), StandardCharsets.UTF_8)));
                }
            }
            if (i == 0) {
                var influxSeries = JSON.readTree(fromInflux.body()).at("/results/0/series");
                var nativeSeries = JSON.readTree(fromNative.body()).get("series");
                System.out.printf("grafana panel: /query %d series of %d rows (%d bytes), native %d series of %d points (%d bytes)%n",
                        influxSeries.size(), influxSeries.get(0).get("values").size(), fromInflux.body().length, nativeSeries.size(),
                        nativeSeries.get(0).get("points").size(), fromNative.body().length);
            }
            if (i >= 20) {
                influxTimes.add(influxTime);
                nativeTimes.add(nativeTime);
            }
        }
        double influxMedian = percentile(influxTimes, 0.5) / 1e6;
        double nativeMedian = percentile(nativeTimes, 0.5) / 1e6;
        System.out.printf("RESULT grafana-influxql: %d runs, median %.2f ms, p95 %.2f ms%n", runs, influxMedian,
                percentile(influxTimes, 0.95) / 1e6);
        System.out.printf("RESULT grafana-native: %d runs, median %.2f ms, p95 %.2f ms%n", runs, nativeMedian,
                percentile(nativeTimes, 0.95) / 1e6);
        System.out.printf("RESULT grafana-ratio: median /query / median native = %.2fx (target <= 1.2x)%n", influxMedian / nativeMedian);
    }

    /**
     * {@code _sum} and {@code _count} of every timer in /metrics, summed over label sets, except
     * the requests of /metrics itself (the scrape records its own request).
     */
    static Map<String, Double> timerSums(HttpClient client, URI base) throws IOException, InterruptedException {
        var response = expect(200, client.send(HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()));
        var sums = new TreeMap<String, Double>();
        for (String line : response.body().split("\n")) {
            if (line.startsWith("#") || line.contains("/metrics") || !(line.contains("_seconds_sum") || line.contains("_seconds_count"))) {
                continue;
            }
            int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
            sums.merge(line.substring(0, end), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
        }
        return sums;
    }

    // ---------------------------------------------------------------- audit wait under paced load

    /**
     * Before the reads: drops the COPY phase's scratch table, vacuums what ingestion wrote, as a
     * production table would have been long before, and checkpoints. Otherwise the
     * insert-triggered autovacuum of ten million rows, and the checkpointer writing out the
     * gigabytes the bulk phases dirtied, run during the measurement: they take one of the two
     * cores and slow every WAL flush, the audit commit's included.
     */
    private void settle() throws SQLException {
        long started = System.nanoTime();
        try (var c = superuser(); var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS bench_scratch CASCADE");
            // "points": the row-per-point table of the builds before chunked storage (an A/B's earlier side).
            s.execute("VACUUM (ANALYZE) " + String.join(", ",
                    existing(List.of("point_batches", "point_rows", "points", "series", "series_tags", "measurement_fields"))));
            s.execute("CHECKPOINT");
        }
        System.out.printf("dropped the COPY scratch table, vacuumed the points tables and checkpointed in %.1f s%n",
                (System.nanoTime() - started) / 1e9);
    }

    private void auditWait(int rate) throws Exception {
        int seconds = (int) option("audit-seconds", 30);
        // A cheap read route: one minute of raw points of one series. --audit-path replaces it,
        // e.g. with /healthz (no credentials, database or audit) to see what the HTTP exchange
        // alone costs, load generator included.
        String target = options.getOrDefault("audit-path",
                "/storage/v1/datasets/%s/query?measurement=cpu&field=usage&tag.host=h1&tag.region=eu-west-1&start=%d&end=%d"
                        .formatted(DATASET, T0_NS, T0_NS + 60_000_000_000L));
        try (var http = new KeepAliveClient(base, (int) option("connections", 256))) {
            byte[] request = http.get(target, "Authorization: Token " + apiToken);
            warmUp(http, request, (int) option("audit-warmup-seconds", 30), cpu);
            paced(http, request, rate, seconds);
        }
    }

    /**
     * Closed-loop requests from 8 threads for {@code seconds}: long enough for the JIT to finish
     * compiling the request path (on 2 shared cores C2 still took a quarter of the CPU 40 s into a
     * run after a 2,000-request warm-up), so the paced run measures the server, not its warm-up.
     */
    private static void warmUp(KeepAliveClient http, byte[] request, int seconds, CpuUsage cpu) throws InterruptedException {
        var cpuBefore = cpu.sample();
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        var failures = new AtomicLong();
        var done = new AtomicLong();
        var threads = new ArrayList<Thread>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < until) {
                    try {
                        if (http.send(request) != 200) {
                            failures.incrementAndGet();
                        }
                    } catch (IOException e) {
                        failures.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                    done.incrementAndGet();
                }
            }));
        }
        for (var thread : threads) {
            thread.join();
        }
        System.out.printf("audit warm-up: %,d requests in %d s closed loop (%,d not 200)%n", done.get(), seconds, failures.get());
        System.out.println("RESULT audit-warmup-cpu per request: " + cpuBefore.perRequest(cpu.sample(), done.get()));
    }

    /** What a paced run achieved. */
    private record Paced(long answered, double achieved) {}

    private Paced paced(KeepAliveClient http, byte[] request, int rate, int seconds) throws Exception {
        var before = auditWaitBuckets();
        var cpuBefore = cpu.sample();
        long total = (long) rate * seconds;
        long interval = 1_000_000_000L / rate;
        var inFlight = new Semaphore(4_000);
        var latencies = new ConcurrentLinkedQueue<Long>();
        var errors = new AtomicLong();
        var skipped = new AtomicLong();
        var completed = new CountDownLatch((int) total);
        long started = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long due = started + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (!inFlight.tryAcquire()) {
                skipped.incrementAndGet();
                completed.countDown();
                continue;
            }
            Thread.ofVirtual().start(() -> {
                try {
                    if (!http.answeredOk(request)) {
                        errors.incrementAndGet();
                    }
                } finally {
                    latencies.add(System.nanoTime() - due); // from the scheduled time: no coordinated omission
                    inFlight.release();
                    completed.countDown();
                }
            });
        }
        long sent = System.nanoTime();
        completed.await();
        double elapsed = (System.nanoTime() - started) / 1e9;
        var cpuAfter = cpu.sample();
        var after = auditWaitBuckets();
        long answered = latencies.size();
        System.out.printf("audit: paced %,d req/s for %d s: %,d sent in %.1f s, %,d answered (%,d errors, %,d skipped at the in-flight cap) "
                        + "in %.1f s = %,.0f req/s achieved%n", rate, seconds, total - skipped.get(), (sent - started) / 1e9, answered,
                errors.get(), skipped.get(), elapsed, answered / elapsed);
        System.out.printf("RESULT audit-client-latency: median %.2f ms, p95 %.2f ms, p99 %.2f ms (from scheduled send)%n",
                percentile(latencies, 0.5) / 1e6, percentile(latencies, 0.95) / 1e6, percentile(latencies, 0.99) / 1e6);
        var delta = new TreeMap<Double, Double>();
        after.forEach((le, count) -> delta.put(le, count - before.getOrDefault(le, 0.0)));
        double count = delta.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        System.out.printf("RESULT audit-wait: %,.0f observations, median %.3f ms, p95 %.3f ms, p99 %.3f ms "
                        + "(timestore_audit_wait_seconds, linear within buckets)%n", count,
                bucketQuantile(delta, 0.5) * 1e3, bucketQuantile(delta, 0.95) * 1e3, bucketQuantile(delta, 0.99) * 1e3);
        System.out.println("  buckets (le ms: count) " + bucketSummary(delta));
        System.out.println("RESULT audit-cpu per answered request: " + cpuBefore.perRequest(cpuAfter, answered));
        return new Paced(answered, answered / elapsed);
    }

    // ---------------------------------------------------------------- an A/B taking turns with another build

    /**
     * The ingestion and the cheap read of an A/B, each step in a turn of this process (see
     * {@link Turns}): the ingestion with the settling after it, the closed-loop warm-up, then
     * {@code --turn-slices} paced slices of {@code --audit-seconds} at {@code --rate}. Each slice
     * prints the CPU of this process and its PostgreSQL cluster per answered request: the other
     * build's server idles meanwhile, and its own background work is not counted.
     * {@link PairedSlices} compares the two outputs slice by slice.
     */
    private void takingTurns() throws Exception {
        int slices = (int) option("turn-slices", 10);
        int rate = Integer.parseInt(options.getOrDefault("rate", "300").split(",")[0].trim());
        int seconds = (int) option("audit-seconds", 30);
        System.out.printf("taking turns as %s in %s: ingestion, warm-up, %d slices of %d s at %d req/s%n",
                options.get("turn"), options.get("turns"), slices, seconds, rate);
        System.out.printf("turn %d: ingestion%n", turns.await());
        ingest();
        settle();
        turns.pass();
        String target = "/storage/v1/datasets/%s/query?measurement=cpu&field=usage&tag.host=h1&tag.region=eu-west-1&start=%d&end=%d"
                .formatted(DATASET, T0_NS, T0_NS + 60_000_000_000L);
        try (var http = new KeepAliveClient(base, (int) option("connections", 256))) {
            byte[] request = http.get(target, "Authorization: Token " + apiToken);
            System.out.printf("turn %d: warm-up%n", turns.await());
            warmUp(http, request, (int) option("audit-warmup-seconds", 30), cpu);
            turns.pass();
            for (int slice = 1; slice <= slices; slice++) {
                int turn = turns.await();
                var before = cpu.sample();
                var result = paced(http, request, rate, seconds);
                var after = cpu.sample();
                System.out.printf("RESULT turn-slice %d (turn %d): process CPU per answered request %.4f ms; %s; %.1f req/s achieved%n",
                        slice, turn, before.processNanos(after) / Math.max(result.answered(), 1) / 1e6,
                        before.perRequest(after, result.answered()), result.achieved());
                turns.pass();
            }
        }
    }

    private Map<Double, Double> auditWaitBuckets() throws IOException, InterruptedException {
        return auditWaitBuckets(client, base);
    }

    /** Cumulative counts of {@code timestore_audit_wait_seconds_bucket} by upper bound, summed over labels (also DeliveryLoad's). */
    static TreeMap<Double, Double> auditWaitBuckets(HttpClient client, URI base) throws IOException, InterruptedException {
        return histogramBuckets(client, base, "timestore_audit_wait_seconds");
    }

    /** Cumulative counts of the histogram {@code name} in /metrics by upper bound, summed over labels. */
    static TreeMap<Double, Double> histogramBuckets(HttpClient client, URI base, String name) throws IOException, InterruptedException {
        var response = expect(200, client.send(HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()));
        var buckets = new TreeMap<Double, Double>();
        for (String line : response.body().split("\n")) {
            if (line.startsWith(name + "_bucket{")) {
                int le = line.indexOf("le=\"") + 4;
                String bound = line.substring(le, line.indexOf('"', le));
                double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                buckets.merge(upper, value, Double::sum);
            }
        }
        if (buckets.isEmpty()) {
            throw new IllegalStateException("no " + name + " histogram in /metrics");
        }
        return buckets;
    }

    static double bucketQuantile(TreeMap<Double, Double> cumulative, double q) {
        double total = cumulative.lastEntry().getValue();
        double rank = q * total;
        double lower = 0;
        double below = 0;
        for (var e : cumulative.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return lower;
                }
                double inBucket = e.getValue() - below;
                return inBucket == 0 ? e.getKey() : lower + (e.getKey() - lower) * (rank - below) / inBucket;
            }
            lower = e.getKey();
            below = e.getValue();
        }
        return lower;
    }

    private static String bucketSummary(TreeMap<Double, Double> cumulative) {
        var out = new StringBuilder();
        double previous = 0;
        for (var e : cumulative.entrySet()) {
            if (e.getValue() > previous) {
                out.append(e.getKey().isInfinite() ? "+Inf" : "%.3f".formatted(e.getKey() * 1e3)).append(": ")
                        .append("%.0f".formatted(e.getValue() - previous)).append("  ");
                previous = e.getValue();
            }
        }
        return out.toString();
    }

    static double percentile(java.util.Collection<Long> values, double q) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }
}
