package io.timestore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.server.Timestore;
import io.timestore.server.config.Settings;
import io.timestore.server.config.SettingsLoader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Issue 23's peer benchmark: the same line-protocol payload, in the same run, into
 * <ol>
 *   <li>Timestore (in this JVM, embedded PostgreSQL with fsync on; {@code POST /api/v2/write} with an
 *       API token, row-level security and audit on, as {@link IngestLoad} does);</li>
 *   <li>a binary COPY of the same rows into an unprotected row-per-point table in Timestore's
 *       cluster ({@link IngestLoad#copyBaseline});</li>
 *   <li>QuestDB (the {@code org.questdb:questdb} jar from Maven Central, its {@code ServerMain} in a
 *       child JVM) over its HTTP ILP endpoint {@code /write}, once per commit mode: {@code default}
 *       and {@code sync} ({@code cairo.commit.mode=sync}, its durable mode), each on a fresh data
 *       directory.</li>
 * </ol>
 * The writers run in a child JVM of their own ({@link LineWriters#main}), so the servers' CPU time
 * is measured without the load generator's: this JVM's (Timestore), its PostgreSQL cluster's and
 * the QuestDB JVM's, each read from {@code /proc} ({@link CpuUsage}).
 *
 * <p>For each system it prints {@code RESULT} lines: ingestion points/s (QuestDB: until its writes
 * were acknowledged and until they were all readable, its WAL applied; both also over the second
 * half of the points, when the run's own warm-up is behind the server), server CPU per 1,000
 * points (and the part of it its JIT compiler threads took), bytes per point on disk (Timestore: every relation of the points feature, found by
 * {@code --points-relations}, indexes and TOAST included, WAL excluded, each named; QuestDB: the
 * table directory, with and without its WAL), the warm 24 h @ 1 min average of one series (through
 * HTTP, and the server's own query time: Timestore's {@code timestore_query_duration_seconds}, the
 * read's transaction without the audit wait, which is reported beside it; QuestDB's {@code /exec}
 * timings), and a cold 24 h raw read of one ingested series after restarting the server and
 * dropping the page cache (when this process may write {@code /proc/sys/vm/drop_caches}). The last
 * lines are the ratios: Timestore / QuestDB sync, Timestore / QuestDB default, Timestore / COPY.
 *
 * <p>Options: {@code --points N} (10,000,000 measured points), {@code --warmup N} (100,000 points
 * written first, same series, earlier times, counted on disk but not in the rates), {@code --series N}
 * (100), {@code --interval-seconds N} (10), {@code --batch N} (5,000 lines), {@code --writers N} (4),
 * {@code --query-runs N} (100), {@code --ingest-only 1} (ingestion figures only), {@code --compact 1} (the background compactor's
 * passes a year apart; the benchmark folds after ingestion; Timestore then stays up through QuestDB's phases, and each QuestDB mode's
 * aggregate is also measured taking turns with Timestore's folded one, unless {@code --aggregate-turns 0}), {@code --compaction-interval-ms N} (with the compactor on: its pause between passes,
 * so that it folds while the writers write), {@code --phases timestore,copy,questdb} (all), {@code --questdb-modes
 * default,sync}, {@code --questdb-heap 2g}, {@code --questdb-aot FILE} (QuestDB's JVM starts from the JDK's
 * AOT cache FILE, or records one into it when FILE does not exist yet, written when QuestDB stops;
 * Timestore's JVM is this one, so its AOT cache is given on this command: {@code -XX:AOTCache}),
 * {@code --points-relations REGEX} (PostgreSQL regular
 * expression over table names, matched against a table or any partition ancestor). See
 * docs/benchmarks.md, "Peer benchmark (issue 23)".
 *
 * <p>Over 700 lines because the three targets (Timestore, the raw COPY, QuestDB in two commit
 * modes) must run in one process, in one run, on one payload for their ratios to mean anything;
 * the payload and the writers are shared pieces ({@link LinePayload}, {@link LineWriters}).
 */
public final class PeerLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEFAULT_RELATIONS = "^(points?|series|measurement_fields)(_|$)|chunk";
    private static final String TIMESTORE = "Timestore";

    private final Map<String, String> options;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final LinePayload payload;
    private final long points;
    private final long warmup;
    private final int batch;
    private final int writers;
    private final int queryRuns;
    /** Each system's figures, by name, for the ratios at the end. */
    private final Map<String, Figures> figures = new LinkedHashMap<>();
    private double copyRate = Double.NaN;

    /** One system's headline figures; NaN where not measured. */
    private static final class Figures {
        double pointsPerSecond = Double.NaN;
        /** Over the second half of the measured points: the server after the run's own warm-up. */
        double secondHalfPointsPerSecond = Double.NaN;
        double visiblePointsPerSecond = Double.NaN;
        double cpuMsPerThousand = Double.NaN;
        /** The part of {@link #cpuMsPerThousand} spent by the server JVM's JIT compiler threads. */
        double compilerMsPerThousand = Double.NaN;
        double bytesPerPoint = Double.NaN;
        double aggregateHttpMs = Double.NaN;
        double aggregateServerMs = Double.NaN;
        /** Timestore with {@code --compact 1}: the same aggregate once the query day is folded into chunks too. */
        double foldedAggregateHttpMs = Double.NaN;
        double foldedAggregateServerMs = Double.NaN;
        double coldReadMs = Double.NaN;
        /** QuestDB's aggregate query time and Timestore's folded aggregate's query transaction, taking turns (medians). */
        double turnsServerMs = Double.NaN;
        double turnsTimestoreServerMs = Double.NaN;
        double turnsHttpMs = Double.NaN;
        double turnsTimestoreHttpMs = Double.NaN;
    }

    /** With {@code --compact 1} and QuestDB phases to come: Timestore stays up for {@link #aggregateTurns} ({@code --aggregate-turns 0}: not). */
    private boolean keepForTurns;
    private Standing standing;
    /** {@code --questdb-aot FILE}: QuestDB's JVM option, using FILE or recording it. */
    private Optional<String> questDbAot = Optional.empty();

    private PeerLoad(Map<String, String> options) {
        this.options = options;
        this.payload = new LinePayload("cpu", (int) option("series", 100), option("interval-seconds", 10) * 1_000_000_000L);
        this.points = option("points", 10_000_000);
        this.warmup = option("warmup", 100_000);
        this.batch = (int) option("batch", 5_000);
        this.writers = (int) option("writers", 4);
        this.queryRuns = (int) option("query-runs", 100);
    }

    public static void main(String[] args) throws Exception {
        new PeerLoad(BenchOptions.parse(args)).run();
        System.exit(0);
    }

    private long option(String name, long fallback) {
        return BenchOptions.number(options, name, fallback);
    }

    /**
     * {@code --ingest-only 1}: each server's ingestion figures only, no compaction, query or cold
     * read. For long warm-ups (a server at its steady state), where folding the warm-up's points
     * would take longer than the run.
     */
    private boolean ingestOnly() {
        return option("ingest-only", 0) == 1;
    }

    private List<String> list(String name, String fallback) {
        return Arrays.stream(options.getOrDefault(name, fallback).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private void run() throws Exception {
        System.out.printf("load average at the start: %.2f (other processes share this machine)%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf("date %s, %d processors, %s %s, max heap %d MiB%n", Instant.now(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"), Runtime.getRuntime().maxMemory() >> 20);
        var aot = ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("-XX:AOT")).toList();
        System.out.printf("Timestore's JVM (this one): %s%n", aot.isEmpty() ? "no AOT cache" : String.join(" ", aot));
        System.out.printf("payload: %,d measured points after %,d warm-up points, %,d series %s,host=h<n>,region=eu-west-1 usage=<float> "
                        + "every %d s, %,d-line batches, %d writers (a child JVM)%n", points, warmup, payload.series(), payload.measurement(),
                payload.intervalNs() / 1_000_000_000L, batch, writers);
        var phases = list("phases", "timestore,copy,questdb");
        // Decided once, so that every QuestDB mode of a run starts the same way (a mode's recording is
        // written when it stops, and would otherwise be the next mode's cache).
        questDbAot = Optional.ofNullable(options.get("questdb-aot"))
                .map(file -> (Files.exists(Path.of(file)) ? "-XX:AOTCache=" : "-XX:AOTCacheOutput=") + file);
        keepForTurns = phases.contains("questdb") && option("compact", 0) == 1 && option("aggregate-turns", 1) == 1 && !ingestOnly();
        if (phases.contains("timestore") || phases.contains("copy")) {
            timestore(phases.contains("timestore"), phases.contains("copy"));
        }
        try {
            if (phases.contains("questdb")) {
                String jar = questDbJar();
                for (String mode : list("questdb-modes", "default,sync")) {
                    questDb(jar, mode);
                }
            }
        } finally {
            if (standing != null) {
                timestoreColdRead(standing.server(), standing.settings(), standing.token(), standing.dataDir());
            }
        }
        ratios();
        System.out.printf("load average at the end: %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    // ---------------------------------------------------------------- Timestore

    private void timestore(boolean measure, boolean copy) throws Exception {
        Path dataDir = Files.createTempDirectory("timestore-peer");
        // With --compact 1 the benchmark folds where it says (after ingestion, then after the query
        // day's hot-row figures), not the background compactor at a moment of its own: the compactor
        // is on, as in production (reads over folded hours depend on it, docs/data-plane.md), but
        // its passes are a year apart, the first at the server's start, before any point.
        // With --compact 0 the background compactor runs a pass every --compaction-interval-ms
        // (default: the server's 1 min): a short interval folds while the writers write.
        var properties = new HashMap<>(Map.of("server.port", "0", "data-dir", dataDir.toString()));
        if (option("compact", 0) == 1) {
            properties.put("points.compaction.interval", "365d");
        } else if (options.containsKey("compaction-interval-ms")) {
            properties.put("points.compaction.interval", option("compaction-interval-ms", 60_000) + "ms");
        }
        Settings settings = SettingsLoader.load(properties, Optional.empty(), Map.of("TIMESTORE_DEV_ISSUER", "on"));
        Timestore server = Timestore.start(settings, List.of());
        try {
            String token = IngestLoad.setUpTenant(server, client);
            var cpu = new CpuUsage(dataDir.resolve("postgres"));
            String jdbc = server.database().target().jdbcUrl();
            String superuserUrl = jdbc + (jdbc.contains("?") ? "&" : "?") + "user=postgres";
            if (measure) {
                var f = figures.computeIfAbsent(TIMESTORE, k -> new Figures());
                URI write = server.baseUri().resolve("/api/v2/write?org=%s&bucket=%s&precision=ns"
                        .formatted(IngestLoad.TENANT, IngestLoad.DATASET));
                String authorization = "Token " + token;
                try (var writerProcess = ClientProcess.start(write, authorization, payload, warmup, points, batch, writers)) {
                    long self = ProcessHandle.current().pid();
                    long compilerBefore = CpuUsage.compilerTime(self).orElseThrow();
                    var before = cpu.sample();
                    double foldedBefore = foldedByCompactor(server);
                    var result = writerProcess.go();
                    var after = cpu.sample();
                    double foldedMeanwhile = foldedByCompactor(server) - foldedBefore;
                    long compilerNanos = CpuUsage.compilerTime(self).orElseThrow() - compilerBefore;
                    f.pointsPerSecond = result.pointsPerSecond();
                    f.secondHalfPointsPerSecond = result.secondHalfPointsPerSecond();
                    System.out.printf("RESULT peer-ingest %s: %,d points in %.1f s = %,.0f points/s (acknowledged = durable and readable), "
                                    + "second half of the points %,.0f points/s; batch latency median %.1f ms, p95 %.1f ms%n", TIMESTORE,
                            result.points(), result.seconds(), result.pointsPerSecond(), f.secondHalfPointsPerSecond,
                            result.medianNs() / 1e6, result.p95Ns() / 1e6);
                    double thousands = result.points() / 1e3;
                    double jvm = (after.jvm() - before.jvm()) / thousands / 1e6;
                    double pg = (after.postgres().orElseThrow() - before.postgres().orElseThrow()) / thousands / 1e6;
                    f.cpuMsPerThousand = jvm + pg;
                    f.compilerMsPerThousand = compilerNanos / thousands / 1e6;
                    if (option("compact", 0) == 0) {
                        System.out.printf("RESULT peer-compaction-live %s: the background compactor folded %,.0f points while the %,d measured "
                                + "points were written (%.0f%%)%n", TIMESTORE, foldedMeanwhile, result.points(), 100 * foldedMeanwhile / result.points());
                    }
                    System.out.printf("RESULT peer-cpu %s per 1,000 points: server JVM %.3f ms (of which JIT compiler threads %.3f ms) "
                            + "+ PostgreSQL %.3f ms = %.3f ms (load generator excluded)%n", TIMESTORE, jvm, f.compilerMsPerThousand, pg, jvm + pg);
                }
                checkpoint(superuserUrl);
                timestoreBytes(superuserUrl, "after ingestion and a CHECKPOINT");
            }
            if (copy) {
                copyRate = IngestLoad.copyBaseline(superuserUrl, payload, warmup, points, batch, writers);
            }
            if (!measure || ingestOnly()) {
                server.close();
                ScratchDirectory.delete(dataDir);
                return;
            }
            if (option("compact", 0) == 1) {
                compact(server, superuserUrl);
            }
            settle(superuserUrl);
            figures.get(TIMESTORE).bytesPerPoint = timestoreBytes(superuserUrl, "after VACUUM (ANALYZE) and a CHECKPOINT");
            new LineWriters(server.baseUri().resolve("/api/v2/write?org=%s&bucket=%s&precision=ns"
                    .formatted(IngestLoad.TENANT, IngestLoad.DATASET)), "Token " + token).send(IngestLoad.queryDay());
            var rows = timestoreAggregate(server.baseUri(), token, "hot rows");
            figures.get(TIMESTORE).aggregateHttpMs = rows[0];
            figures.get(TIMESTORE).aggregateServerMs = rows[1];
            if (option("compact", 0) == 1) {
                compact(server, superuserUrl); // the query day too: the aggregate over folded points
                var folded = timestoreAggregate(server.baseUri(), token, "folded into chunks");
                figures.get(TIMESTORE).foldedAggregateHttpMs = folded[0];
                figures.get(TIMESTORE).foldedAggregateServerMs = folded[1];
                if (keepForTurns) {
                    // Up, warm and folded while QuestDB runs: its aggregate in turns with QuestDB's, then its cold read.
                    standing = new Standing(server, settings, token, dataDir);
                    return;
                }
            }
            timestoreColdRead(server, settings, token, dataDir);
        } catch (Exception | Error e) {
            server.close();
            ScratchDirectory.delete(dataDir);
            throw e;
        }
    }

    /**
     * Timestore's cold read, then the server closed and its data deleted: a new PostgreSQL (empty
     * shared buffers) and, where allowed, an empty page cache.
     */
    private void timestoreColdRead(Timestore server, Settings settings, String token, Path dataDir) throws Exception {
        try {
            server.close();
            server = Timestore.start(settings, List.of());
            URI base = server.baseUri();
            for (int i = 0; i < 20; i++) { // JIT, pools, the token and the catalog, on the query series only
                timed(HttpRequest.newBuilder(aggregateUri(base)).header("Authorization", "Token " + token).GET().build());
            }
            URI raw = base.resolve("/storage/v1/datasets/%s/query?measurement=%s&field=usage&tag.host=h1&tag.region=eu-west-1&start=%d&end=%d&epoch=ns"
                    .formatted(IngestLoad.DATASET, payload.measurement(), LinePayload.T0_NS, LinePayload.T0_NS + IngestLoad.DAY_NS));
            var request = HttpRequest.newBuilder(raw).header("Authorization", "Token " + token).GET().build();
            figures.get(TIMESTORE).coldReadMs = coldRead(TIMESTORE, () -> {
                var response = timed(request);
                return new Read(response.nanos, JSON.readTree(response.body).get("series").get(0).get("points").size());
            });
        } finally {
            server.close();
            ScratchDirectory.delete(dataDir);
        }
    }

    /** Timestore kept up after its phase, its query day folded, for {@link #aggregateTurns}. */
    private record Standing(Timestore server, Settings settings, String token, Path dataDir) {}

    /** Points the server's compactor has folded so far ({@code timestore.points.compaction.points}). */
    private static double foldedByCompactor(Timestore server) {
        return server.registry().get("timestore.points.compaction.points").counter().count();
    }

    private static void checkpoint(String superuserUrl) throws Exception {
        try (var c = DriverManager.getConnection(superuserUrl); var s = c.createStatement()) {
            s.execute("CHECKPOINT");
        }
    }

    /**
     * {@code --compact 1}: folds every point older than the compaction age into chunks now (one
     * pass of the server's compactor; the payload lies in 2025, so all of it), then rewrites the hot
     * tables ({@code VACUUM FULL point_batches, point_rows}) so that its size is what a steady state keeps, not the
     * space the folded rows left behind; the figures after it are the chunked storage's.
     */
    private static void compact(Timestore server, String superuserUrl) throws Exception {
        long started = System.nanoTime();
        var pass = server.compactor().runOnce().orElseThrow(() -> new IllegalStateException(
                "no pass ran: another instance holds the compaction lock, or a transaction held the write lock past the pass's wait"));
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("RESULT peer-compaction Timestore: %,d points folded into %,d chunks (%,d series-hours) in %.1f s = %,.0f points/s%n",
                pass.pointsFolded(), pass.chunksWritten(), pass.groups(), seconds, pass.pointsFolded() / seconds);
        try (var c = DriverManager.getConnection(superuserUrl); var s = c.createStatement()) {
            s.execute("VACUUM FULL point_batches, point_rows");
        }
    }

    /** As IngestLoad's settle: drops the COPY table, vacuums and analyzes what ingestion wrote, checkpoints. */
    private static void settle(String superuserUrl) throws Exception {
        long started = System.nanoTime();
        try (var c = DriverManager.getConnection(superuserUrl); var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS bench_scratch CASCADE");
            s.execute("VACUUM (ANALYZE)");
            s.execute("CHECKPOINT");
        }
        System.out.printf("dropped the COPY table, vacuumed the database and checkpointed in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    /**
     * Bytes per point of every relation of the points feature: each table whose name, or whose
     * partition ancestor's name, matches {@code --points-relations}, with its indexes, TOAST and
     * free-space and visibility maps ({@code pg_total_relation_size}); WAL is not a relation's.
     */
    private double timestoreBytes(String superuserUrl, String when) throws Exception {
        String pattern = options.getOrDefault("points-relations", DEFAULT_RELATIONS);
        var sizes = new TreeMap<String, Long>();
        try (var c = DriverManager.getConnection(superuserUrl); var s = c.prepareStatement("""
                SELECT c.oid::regclass::text, pg_total_relation_size(c.oid)
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'bench_scratch')
                  AND (c.relname ~ ? OR EXISTS (SELECT FROM pg_partition_ancestors(c.oid) a JOIN pg_class p ON p.oid = a.relid
                                                WHERE p.relname ~ ?))
                """)) {
            s.setString(1, pattern);
            s.setString(2, pattern);
            try (var rows = s.executeQuery()) {
                while (rows.next()) {
                    sizes.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        long total = sizes.values().stream().mapToLong(Long::longValue).sum();
        long stored = warmup + points;
        double perPoint = (double) total / stored;
        System.out.printf("RESULT peer-disk %s %s: %,d bytes / %,d points = %.1f bytes per point (relations matching '%s': %s)%n",
                TIMESTORE, when, total, stored, perPoint, pattern, sizes);
        return perPoint;
    }

    private static URI aggregateUri(URI base) {
        return base.resolve("/storage/v1/datasets/%s/query?measurement=q&field=value&tag.host=query&start=%d&end=%d&step=1m&agg=avg"
                .formatted(IngestLoad.DATASET, IngestLoad.QUERY_DAY_START_NS, IngestLoad.QUERY_DAY_START_NS + IngestLoad.DAY_NS));
    }

    /** The warm aggregate of the query series, its points {@code where}; HTTP median and query transaction median, in ms. */
    private double[] timestoreAggregate(URI base, String token, String where) throws Exception {
        var request = HttpRequest.newBuilder(aggregateUri(base)).header("Authorization", "Token " + token).GET().build();
        for (int i = 0; i < 100; i++) {
            timed(request);
        }
        var sumsBefore = IngestLoad.timerSums(client, base);
        var bucketsBefore = IngestLoad.histogramBuckets(client, base, "timestore_query_duration_seconds");
        var http = new ArrayList<Long>();
        int windows = 0;
        for (int i = 0; i < queryRuns; i++) {
            var response = timed(request);
            http.add(response.nanos);
            windows = JSON.readTree(response.body).get("series").get(0).get("points").size();
        }
        var sumsAfter = IngestLoad.timerSums(client, base);
        var bucketsAfter = IngestLoad.histogramBuckets(client, base, "timestore_query_duration_seconds");
        var delta = new TreeMap<Double, Double>();
        bucketsAfter.forEach((le, count) -> delta.put(le, count - bucketsBefore.getOrDefault(le, 0.0)));
        double transactionMedian = IngestLoad.bucketQuantile(delta, 0.5) * 1e3;
        double httpMedian = IngestLoad.percentile(http, 0.5) / 1e6;
        System.out.printf("RESULT peer-aggregate %s (points %s): 24 h @ 1 min avg of one series (%d windows), %d runs: HTTP median %.2f ms, "
                        + "p95 %.2f ms; query transaction median %.2f ms (timestore_query_duration_seconds buckets, linear within them), "
                        + "mean %.2f ms; audit wait mean %.2f ms (excluded from the transaction)%n", TIMESTORE, where, windows, queryRuns,
                httpMedian, IngestLoad.percentile(http, 0.95) / 1e6, transactionMedian,
                mean(sumsBefore, sumsAfter, "timestore_query_duration_seconds"), mean(sumsBefore, sumsAfter, "timestore_audit_wait_seconds"));
        return new double[] {httpMedian, transactionMedian};
    }

    private static double mean(Map<String, Double> before, Map<String, Double> after, String timer) {
        double count = after.getOrDefault(timer + "_count", 0.0) - before.getOrDefault(timer + "_count", 0.0);
        double sum = after.getOrDefault(timer + "_sum", 0.0) - before.getOrDefault(timer + "_sum", 0.0);
        return count == 0 ? Double.NaN : sum / count * 1e3;
    }

    // ---------------------------------------------------------------- QuestDB

    /** The QuestDB jar on this class path (timestore-bench depends on org.questdb:questdb at run time). */
    private static String questDbJar() {
        return Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(entry -> Path.of(entry).getFileName().toString().matches("questdb-\\d.*\\.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no questdb-<version>.jar on the class path; build timestore-bench with package"));
    }

    private void questDb(String jar, String mode) throws Exception {
        String name = "QuestDB " + mode;
        var f = figures.computeIfAbsent(name, k -> new Figures());
        Path root = Files.createTempDirectory("questdb-peer");
        var questDb = new QuestDb(root, mode, jar, options.getOrDefault("questdb-heap", "2g"), questDbAot, client);
        try {
            questDb.start();
            System.out.printf("%s started (%s) in %s; its cairo.commit.mode: %s; %s%n", name, Path.of(jar).getFileName(), root,
                    questDb.commitMode(), questDbAot.orElse("no AOT cache"));
            try (var writerProcess = ClientProcess.start(questDb.uri("/write?precision=n"), null, payload, warmup, points, batch, writers)) {
                questDb.awaitCount(payload.measurement(), warmup);
                var standingCpu = standing == null ? null : new CpuUsage(standing.dataDir().resolve("postgres"));
                var standingBefore = standingCpu == null ? null : standingCpu.sample();
                long cpuBefore = questDb.cpuTime();
                long compilerBefore = questDb.compilerTime();
                long started = System.nanoTime();
                var result = writerProcess.go();
                questDb.awaitCount(payload.measurement(), warmup + points);
                double visible = (System.nanoTime() - started) / 1e9;
                double thousands = result.points() / 1e3;
                double cpu = (questDb.cpuTime() - cpuBefore) / thousands / 1e6;
                f.pointsPerSecond = result.pointsPerSecond();
                f.secondHalfPointsPerSecond = result.secondHalfPointsPerSecond();
                f.visiblePointsPerSecond = result.points() / visible;
                f.cpuMsPerThousand = cpu;
                f.compilerMsPerThousand = (questDb.compilerTime() - compilerBefore) / thousands / 1e6;
                System.out.printf("RESULT peer-ingest %s: %,d points acknowledged in %.1f s = %,.0f points/s, second half of the points "
                                + "%,.0f points/s, all readable after %.1f s = %,.0f points/s; batch latency median %.1f ms, p95 %.1f ms%n",
                        name, result.points(), result.seconds(), result.pointsPerSecond(), f.secondHalfPointsPerSecond, visible,
                        f.visiblePointsPerSecond, result.medianNs() / 1e6, result.p95Ns() / 1e6);
                System.out.printf("RESULT peer-cpu %s per 1,000 points: QuestDB JVM %.3f ms (of which JIT compiler threads %.3f ms; "
                        + "until all readable; load generator excluded)%n", name, cpu, f.compilerMsPerThousand);
                if (standingCpu != null) { // Timestore idles meanwhile, kept up for the turns: what it took from QuestDB's machine
                    var standingAfter = standingCpu.sample();
                    System.out.printf("Timestore, idle and kept up for the turns, meanwhile: this JVM %.1f ms + its PostgreSQL %.1f ms of CPU "
                            + "in %.1f s (QuestDB %.1f ms)%n", (standingAfter.jvm() - standingBefore.jvm()) / 1e6,
                            (standingAfter.postgres().orElseThrow() - standingBefore.postgres().orElseThrow()) / 1e6, visible,
                            (questDb.cpuTime() - cpuBefore) / 1e6);
                }
            }
            if (ingestOnly()) {
                return;
            }
            Path table = questDb.tableDirectory(payload.measurement());
            questDbBytes(name, "running, after every point became readable", table);
            questDb.write(IngestLoad.queryDay());
            questDb.awaitCount("q", 8_640);
            questDbAggregate(name, questDb, f);
            if (standing != null) {
                aggregateTurns(name, questDb, f);
            }
            questDb.stop();
            // Closed, QuestDB trims the column files it had extended ahead of the data: the figure in the ratios.
            f.bytesPerPoint = questDbBytes(name, "stopped, its files closed", table);
            questDb.start();
            for (int i = 0; i < 20; i++) { // JIT and the query series' files only
                questDb.exec(questDbAggregateSql());
            }
            String raw = "SELECT timestamp, usage FROM %s WHERE host = 'h1' AND timestamp >= '%s' AND timestamp < '%s'"
                    .formatted(payload.measurement(), Instant.ofEpochSecond(0, LinePayload.T0_NS),
                            Instant.ofEpochSecond(0, LinePayload.T0_NS + IngestLoad.DAY_NS));
            f.coldReadMs = coldRead(name, () -> {
                var answer = questDb.exec(raw);
                return new Read(answer.nanos(), answer.json().get("count").asInt());
            });
        } finally {
            questDb.stop();
            ScratchDirectory.delete(root);
        }
    }

    private double questDbBytes(String name, String when, Path table) throws Exception {
        Predicate<Path> wal = p -> p.getFileName().toString().matches("wal\\d+|txn_seq");
        List<Path> entries;
        try (Stream<Path> list = Files.list(table)) {
            entries = list.toList();
        }
        long all = allocated(entries);
        long withoutWal = allocated(entries.stream().filter(wal.negate()).toList());
        long stored = warmup + points;
        double perPoint = (double) withoutWal / stored;
        System.out.printf("RESULT peer-disk %s %s: table directory %s without its WAL (wal<n>/, txn_seq/) %,d bytes / %,d points = %.1f bytes "
                + "per point; with its WAL %.1f bytes per point (allocated blocks, du)%n", name, when, table.getFileName(), withoutWal, stored,
                perPoint, (double) all / stored);
        return perPoint;
    }

    /** The disk blocks under {@code paths}, as {@code du -s -c -B1} counts them (column files may be sparse). */
    private static long allocated(List<Path> paths) throws Exception {
        if (paths.isEmpty()) {
            return 0;
        }
        var command = new ArrayList<>(List.of("du", "-s", "-c", "-B1"));
        paths.forEach(p -> command.add(p.toString()));
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines;
        try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            lines = out.lines().toList();
        }
        if (process.waitFor() != 0) {
            throw new IllegalStateException("du failed: " + lines);
        }
        return Long.parseLong(lines.getLast().split("\\s+")[0]);
    }

    private static String questDbAggregateSql() {
        return "SELECT timestamp, avg(\"value\") FROM q WHERE host = 'query' AND timestamp >= '%s' AND timestamp < '%s' SAMPLE BY 1m"
                .formatted(Instant.ofEpochSecond(0, IngestLoad.QUERY_DAY_START_NS),
                        Instant.ofEpochSecond(0, IngestLoad.QUERY_DAY_START_NS + IngestLoad.DAY_NS));
    }

    private void questDbAggregate(String name, QuestDb questDb, Figures f) throws Exception {
        String sql = questDbAggregateSql();
        for (int i = 0; i < 100; i++) {
            questDb.exec(sql);
        }
        var http = new ArrayList<Long>();
        var server = new ArrayList<Long>();
        int windows = 0;
        for (int i = 0; i < queryRuns; i++) {
            var answer = questDb.exec(sql);
            http.add(answer.nanos());
            var timings = answer.json().get("timings");
            server.add(timings.get("compiler").asLong() + timings.get("execute").asLong());
            windows = answer.json().get("count").asInt();
        }
        f.aggregateHttpMs = IngestLoad.percentile(http, 0.5) / 1e6;
        f.aggregateServerMs = IngestLoad.percentile(server, 0.5) / 1e6;
        System.out.printf("RESULT peer-aggregate %s: 24 h @ 1 min avg of one series (%d windows, /exec SAMPLE BY 1m), %d runs: "
                        + "HTTP median %.2f ms, p95 %.2f ms; query time (timings: compiler + execute) median %.2f ms%n", name, windows, queryRuns,
                f.aggregateHttpMs, IngestLoad.percentile(http, 0.95) / 1e6, f.aggregateServerMs);
    }

    /**
     * The folded aggregate of Timestore (kept up since its phase) and QuestDB's in turns, one read
     * of each at a time, the first of a pair alternating: whatever the host does to one it does to
     * the other. The figures of the two phases come minutes apart, and this host's noise moved them
     * by more than the changes being measured (docs/benchmarks.md, 2026-12-05 11:21).
     */
    private void aggregateTurns(String name, QuestDb questDb, Figures f) throws Exception {
        var base = standing.server().baseUri();
        var request = HttpRequest.newBuilder(aggregateUri(base)).header("Authorization", "Token " + standing.token()).GET().build();
        String sql = questDbAggregateSql();
        for (int i = 0; i < 100; i++) { // Timestore idled through QuestDB's phase
            timed(request);
            questDb.exec(sql);
        }
        var bucketsBefore = IngestLoad.histogramBuckets(client, base, "timestore_query_duration_seconds");
        var timestoreHttp = new ArrayList<Long>();
        var questDbHttp = new ArrayList<Long>();
        var questDbServer = new ArrayList<Long>();
        for (int i = 0; i < queryRuns; i++) {
            for (int turn = 0; turn < 2; turn++) {
                if ((i + turn) % 2 == 0) {
                    timestoreHttp.add(timed(request).nanos);
                } else {
                    var answer = questDb.exec(sql);
                    questDbHttp.add(answer.nanos());
                    var timings = answer.json().get("timings");
                    questDbServer.add(timings.get("compiler").asLong() + timings.get("execute").asLong());
                }
            }
        }
        var bucketsAfter = IngestLoad.histogramBuckets(client, base, "timestore_query_duration_seconds");
        var delta = new TreeMap<Double, Double>();
        bucketsAfter.forEach((le, count) -> delta.put(le, count - bucketsBefore.getOrDefault(le, 0.0)));
        f.turnsTimestoreServerMs = IngestLoad.bucketQuantile(delta, 0.5) * 1e3;
        f.turnsServerMs = IngestLoad.percentile(questDbServer, 0.5) / 1e6;
        f.turnsTimestoreHttpMs = IngestLoad.percentile(timestoreHttp, 0.5) / 1e6;
        f.turnsHttpMs = IngestLoad.percentile(questDbHttp, 0.5) / 1e6;
        System.out.printf("RESULT peer-aggregate-turns Timestore (folded) and %s, %d reads each, taking turns: Timestore query transaction "
                        + "median %.2f ms, HTTP median %.2f ms; %s query time median %.2f ms, HTTP median %.2f ms%n", name, queryRuns,
                f.turnsTimestoreServerMs, f.turnsTimestoreHttpMs, name, f.turnsServerMs, f.turnsHttpMs);
    }

    // ---------------------------------------------------------------- cold reads

    private record Read(long nanos, int points) {}

    private interface ReadOnce {
        Read read() throws Exception;
    }

    /**
     * The cold read of a just restarted server: the page cache dropped first where allowed, then
     * the read once, then the same read warm (median of 10).
     */
    private static double coldRead(String name, ReadOnce read) throws Exception {
        String dropped = dropCaches();
        var cold = read.read();
        var warm = new ArrayList<Long>();
        for (int i = 0; i < 10; i++) {
            warm.add(read.read().nanos());
        }
        double coldMs = cold.nanos() / 1e6;
        System.out.printf("RESULT peer-cold-read %s: 24 h raw read of one ingested series (%,d points) after a restart, %s: %.2f ms; "
                + "the same read warm, median of 10: %.2f ms%n", name, cold.points(), dropped, coldMs, IngestLoad.percentile(warm, 0.5) / 1e6);
        return coldMs;
    }

    /** {@code sync}, then {@code echo 3 > /proc/sys/vm/drop_caches} (root only); says what was possible. */
    private static String dropCaches() throws InterruptedException {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
            return "page cache dropped";
        } catch (IOException e) {
            return "page cache NOT dropped (" + e.getMessage() + ")";
        }
    }

    // ---------------------------------------------------------------- ratios

    private void ratios() {
        var timestore = figures.get(TIMESTORE);
        if (timestore == null) {
            return;
        }
        if (!Double.isNaN(copyRate)) {
            System.out.printf("RESULT peer-ratio ingestion points/s, Timestore / binary COPY into an unprotected row-per-point table: %.2fx%n",
                    timestore.pointsPerSecond / copyRate);
        }
        for (var peer : figures.entrySet()) {
            if (peer.getKey().equals(TIMESTORE)) {
                continue;
            }
            var q = peer.getValue();
            String vs = "Timestore / " + peer.getKey();
            System.out.printf("RESULT peer-ratio %s: ingestion points/s %.2fx (against QuestDB's all-readable rate %.2fx; over the second "
                            + "half of the points %.2fx; above 1 is Timestore faster)%n", vs, timestore.pointsPerSecond / q.pointsPerSecond,
                    timestore.pointsPerSecond / q.visiblePointsPerSecond, timestore.secondHalfPointsPerSecond / q.secondHalfPointsPerSecond);
            System.out.printf("RESULT peer-ratio %s: server CPU per 1,000 points %.2fx (JIT compiler threads left out of both %.2fx)%s%n",
                    vs, timestore.cpuMsPerThousand / q.cpuMsPerThousand,
                    (timestore.cpuMsPerThousand - timestore.compilerMsPerThousand) / (q.cpuMsPerThousand - q.compilerMsPerThousand),
                    ingestOnly() ? "" : ", bytes per point %.2fx (below 1 is Timestore smaller)".formatted(timestore.bytesPerPoint / q.bytesPerPoint));
            if (ingestOnly()) {
                continue;
            }
            System.out.printf("RESULT peer-ratio %s: warm 24 h aggregate through HTTP %.2fx, query transaction (audit wait excluded) / "
                            + "QuestDB query time %.2fx; cold 24 h read %.2fx (below 1 is Timestore faster)%n", vs,
                    timestore.aggregateHttpMs / q.aggregateHttpMs, timestore.aggregateServerMs / q.aggregateServerMs,
                    timestore.coldReadMs / q.coldReadMs);
            if (!Double.isNaN(timestore.foldedAggregateHttpMs)) {
                System.out.printf("RESULT peer-ratio %s, the query day folded into chunks: warm 24 h aggregate through HTTP %.2fx, "
                                + "query transaction / QuestDB query time %.2fx (below 1 is Timestore faster)%n", vs,
                        timestore.foldedAggregateHttpMs / q.aggregateHttpMs, timestore.foldedAggregateServerMs / q.aggregateServerMs);
            }
            if (!Double.isNaN(q.turnsServerMs)) {
                System.out.printf("RESULT peer-ratio %s, the folded aggregate taking turns: query transaction / QuestDB query time %.2fx, "
                        + "through HTTP %.2fx (below 1 is Timestore faster)%n", vs, q.turnsTimestoreServerMs / q.turnsServerMs,
                        q.turnsTimestoreHttpMs / q.turnsHttpMs);
            }
        }
        if (!Double.isNaN(timestore.foldedAggregateHttpMs)) {
            System.out.printf("RESULT peer-ratio Timestore folded / hot rows: warm 24 h aggregate through HTTP %.2fx, query transaction %.2fx%n",
                    timestore.foldedAggregateHttpMs / timestore.aggregateHttpMs, timestore.foldedAggregateServerMs / timestore.aggregateServerMs);
        }
    }

    // ---------------------------------------------------------------- HTTP

    private record Timed(long nanos, byte[] body) {}

    private Timed timed(HttpRequest request) throws IOException, InterruptedException {
        long t = System.nanoTime();
        var response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        long nanos = System.nanoTime() - t;
        if (response.statusCode() != 200) {
            throw new IllegalStateException("%s answered %d: %s".formatted(request.uri(), response.statusCode(),
                    new String(response.body(), StandardCharsets.UTF_8)));
        }
        return new Timed(nanos, response.body());
    }

    /**
     * The load generator as a child JVM ({@link LineWriters#main}): started, it writes the warm-up
     * and waits; {@link #go} starts the measured writes and returns what the child measured.
     */
    private static final class ClientProcess implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<String> signals = new LinkedBlockingQueue<>();

        private ClientProcess(Process process) {
            this.process = process;
            Thread.ofPlatform().daemon().name("writers-output").start(() -> {
                try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        if (line.equals("READY") || line.startsWith("DONE ")) {
                            signals.add(line);
                        } else {
                            System.out.println("  writers: " + line);
                        }
                    }
                } catch (IOException e) {
                    System.out.println("  writers: output lost: " + e.getMessage());
                }
                signals.add("EXIT");
            });
        }

        static ClientProcess start(URI write, String authorization, LinePayload payload, long warmup, long points, int batch, int writers)
                throws IOException, InterruptedException {
            var command = List.of(javaCommand(), "-Xmx1g", "-cp", System.getProperty("java.class.path"), LineWriters.class.getName(),
                    "--url", write.toString(), "--measurement", payload.measurement(), "--series", Integer.toString(payload.series()),
                    "--interval-ns", Long.toString(payload.intervalNs()), "--warmup", Long.toString(warmup), "--points", Long.toString(points),
                    "--batch", Integer.toString(batch), "--writers", Integer.toString(writers));
            var builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (authorization != null) {
                builder.environment().put("BENCH_AUTHORIZATION", authorization);
            }
            var client = new ClientProcess(builder.start());
            client.await("READY");
            return client;
        }

        LineWriters.Result go() throws IOException, InterruptedException {
            Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
            in.write("GO\n");
            in.flush();
            String[] done = await("DONE ").split(" ");
            return new LineWriters.Result(Long.parseLong(done[1]), Long.parseLong(done[2]), Double.parseDouble(done[3]),
                    Double.parseDouble(done[4]), Long.parseLong(done[5]));
        }

        private String await(String prefix) throws InterruptedException {
            String signal = signals.poll(6, TimeUnit.HOURS);
            if (signal == null || !signal.startsWith(prefix)) {
                throw new IllegalStateException("the writers' JVM ended or failed before " + prefix.trim() + " (see the writers' lines above)");
            }
            return signal;
        }

        @Override
        public void close() {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static String javaCommand() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** QuestDB's {@code ServerMain} in a child JVM over one data directory, HTTP only, on a free loopback port. */
    private static final class QuestDb {
        private final Path root;
        private final String mode;
        private final String jar;
        private final String heap;
        /** Its JVM's AOT cache option, if any (Timestore's own is given on PeerLoad's command). */
        private final Optional<String> aot;
        private final HttpClient client;
        private Process process;
        private int port;

        QuestDb(Path root, String mode, String jar, String heap, Optional<String> aot, HttpClient client) {
            if (!mode.equals("default") && !mode.equals("sync")) {
                throw new IllegalArgumentException("QuestDB commit mode must be default or sync, got " + mode);
            }
            this.root = root;
            this.mode = mode;
            this.jar = jar;
            this.heap = heap;
            this.aot = aot;
            this.client = client;
        }

        void start() throws Exception {
            try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
            Files.createDirectories(root.resolve("conf"));
            Files.writeString(root.resolve("conf/server.conf"), """
                    http.bind.to=127.0.0.1:%d
                    http.min.enabled=false
                    pg.enabled=false
                    line.tcp.enabled=false
                    line.udp.enabled=false
                    telemetry.enabled=false
                    %s
                    """.formatted(port, mode.equals("sync") ? "cairo.commit.mode=sync" : ""));
            var command = new ArrayList<>(List.of(javaCommand(), "-Xmx" + heap));
            aot.ifPresent(command::add);
            command.addAll(List.of("-cp", jar, "io.questdb.ServerMain", "-d", root.toString()));
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("questdb.log").toFile())).start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (true) {
                try {
                    exec("SELECT 1");
                    return;
                } catch (IOException | IllegalStateException e) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("QuestDB did not start, see " + root.resolve("questdb.log"), e);
                    }
                    Thread.sleep(200);
                }
            }
        }

        URI uri(String pathAndQuery) {
            return URI.create("http://127.0.0.1:" + port + pathAndQuery);
        }

        /** The commit mode QuestDB runs with, as it reports it (value and where it came from). */
        String commitMode() throws IOException, InterruptedException {
            var row = exec("(SHOW PARAMETERS) WHERE property_path = 'cairo.commit.mode'").json().get("dataset").get(0);
            return row.get(2).asText() + " (from " + row.get(3).asText() + ")";
        }

        long cpuTime() {
            return CpuUsage.processTime(process.pid()).orElseThrow();
        }

        long compilerTime() {
            return CpuUsage.compilerTime(process.pid()).orElseThrow();
        }

        void write(byte[] lines) throws IOException, InterruptedException {
            new LineWriters(uri("/write?precision=n"), null).send(lines);
        }

        record Answer(long nanos, JsonNode json) {}

        Answer exec(String sql) throws IOException, InterruptedException {
            var request = HttpRequest.newBuilder(uri("/exec?timings=true&query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8))).GET().build();
            long t = System.nanoTime();
            var response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            long nanos = System.nanoTime() - t;
            var json = JSON.readTree(response.body());
            if (response.statusCode() != 200 || json.has("error")) {
                throw new IllegalStateException("QuestDB answered %d to %s: %s".formatted(response.statusCode(), sql,
                        new String(response.body(), StandardCharsets.UTF_8)));
            }
            return new Answer(nanos, json);
        }

        /** Waits until {@code table} holds {@code rows} rows: ILP over HTTP acknowledges before the WAL is applied. */
        void awaitCount(String table, long rows) throws Exception {
            if (rows == 0) {
                return; // the table does not exist before its first row (--warmup 0)
            }
            long deadline = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
            long seen = -1;
            while (System.nanoTime() < deadline) {
                try {
                    seen = exec("SELECT count() FROM " + table).json().get("dataset").get(0).get(0).asLong();
                    if (seen >= rows) {
                        return;
                    }
                } catch (IllegalStateException e) {
                    // the table appears with its first applied commit
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("QuestDB's %s holds %,d rows, not %,d, after an hour".formatted(table, seen, rows));
        }

        Path tableDirectory(String table) throws IOException {
            try (Stream<Path> tables = Files.list(root.resolve("db"))) {
                return tables.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith(table + "~")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no directory of table " + table + " in " + root.resolve("db")));
            }
        }

        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy(); // SIGTERM: QuestDB closes its tables
                if (!process.waitFor(2, TimeUnit.MINUTES)) {
                    process.destroyForcibly().waitFor();
                }
            }
        }
    }
}
