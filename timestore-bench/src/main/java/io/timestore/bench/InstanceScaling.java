package io.timestore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.security.TenantId;
import io.timestore.security.jwt.ClaimNames;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.db.Database;
import io.timestore.server.db.Roles;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One instance against two over one database (docs/scaling.md §6): a standalone PostgreSQL 17
 * (zonky's binaries, fsync and synchronous commit on), two {@code timestore serve} processes on
 * it (the same master key, checkpoint key and development issuer, as a deployment's instances
 * share them), and a closed-loop load of the IngestLoad/AuditQueryLoad shape: each client writes a
 * batch of line protocol through {@code POST /api/v2/write} (API token), then reads a page of its
 * tenant's audit events as an auditor. Phases alternate: every request to instance A ("one"),
 * then requests spread round-robin over A and B ("two"); both processes run throughout, so the
 * only difference is where the requests go. Prints throughput, latency and the machine's CPU per
 * phase, with the load average before each.
 *
 * <pre>
 * InstanceScaling [--pairs 3] [--seconds 30] [--warmup-seconds 10] [--initial-warmup-seconds 90] [--clients 8] [--batch 1000]
 * </pre>
 */
public final class InstanceScaling {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "scale";
    private static final long T0_NS = 1_767_225_600_000_000_000L;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final AtomicLong nextPoint = new AtomicLong();
    private String apiToken;
    private String auditor;

    public static void main(String[] args) throws Exception {
        int pairs = 3;
        int seconds = 30;
        int warmup = 10;
        int initialWarmup = 90;
        int clients = 8;
        int batch = 1000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pairs" -> pairs = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup-seconds" -> warmup = Integer.parseInt(args[++i]);
                case "--initial-warmup-seconds" -> initialWarmup = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf("machine: %d cores, %s, JDK %s; load average %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.arch"), System.getProperty("java.version"), LoadAverage.now());
        var scratch = Files.createTempDirectory("timestore-instances");
        var instances = new ArrayList<Process>();
        try (var postgres = EmbeddedPostgres.builder().setDataDirectory(scratch.resolve("postgres")).setCleanDataDirectory(true)
                .setRegisterShutdownHook(false).setPGStartupWait(Duration.ofMinutes(2))
                .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on").setServerConfig("listen_addresses", "localhost")
                .setServerConfig("max_connections", "200").start()) {
            var url = "jdbc:postgresql://localhost:%d/timestore?sslmode=disable".formatted(postgres.getPort());
            var environment = prepare(scratch, postgres.getPort(), url);
            // The development issuer's key is created before any instance starts, so that no two
            // instances race to generate it (as testing.ServerCluster does).
            var issuer = DevIssuer.load(new KeyFiles(scratch), "timestore", ClaimNames.defaults(), InstantSource.system());
            var bases = new ArrayList<URI>();
            for (int i = 0; i < 2; i++) {
                int port = freePort();
                instances.add(start(scratch, environment, port, scratch.resolve("instance-" + i + ".log")));
                bases.add(URI.create("http://127.0.0.1:" + port));
            }
            for (var base : bases) {
                awaitReady(base);
            }
            System.out.printf("two instances ready: %s (load average %s)%n", bases, LoadAverage.now());
            var study = new InstanceScaling();
            study.setUp(bases.getFirst(), issuer);
            study.run(bases, pairs, seconds, warmup, initialWarmup, clients, batch);
        } finally {
            for (var process : instances) {
                process.destroy();
            }
            for (var process : instances) {
                process.waitFor();
            }
            ScratchDirectory.delete(scratch);
        }
    }

    /** Roles, database, schema (migrated once, before any instance starts), keys; the instances' environment. */
    private static Map<String, String> prepare(Path scratch, int port, String url) throws Exception {
        try (var superuser = DriverManager.getConnection("jdbc:postgresql://localhost:%d/postgres?user=postgres".formatted(port))) {
            Roles.ensureRoles(superuser, "timestore_owner", "timestore_app", "timestore_retention");
            Roles.ensureDatabase(superuser, "timestore", "timestore_owner", "timestore_app", "timestore_retention");
        }
        var environment = Map.of("TIMESTORE_DB_URL", url, "TIMESTORE_DEV_ISSUER", "on");
        var settings = SettingsLoader.load(Map.of("data-dir", scratch.toString()), Optional.empty(), environment);
        var report = Database.migrateOnly(settings.database(), scratch);
        System.out.printf("migrated: %d migrations, schema version %s%n", report.applied(), report.schemaVersion());
        var checkpointKey = scratch.resolve("audit-checkpoint.key");
        Files.writeString(checkpointKey, CheckpointKeys.toFileText(CheckpointKeys.generate(new SecureRandom())));
        var masterKey = new byte[32];
        new SecureRandom().nextBytes(masterKey);
        return Map.of("TIMESTORE_DB_URL", url, "TIMESTORE_DEV_ISSUER", "on",
                "TIMESTORE_MASTER_KEY", Base64.getEncoder().encodeToString(masterKey),
                "TIMESTORE_AUDIT_SIGNING_KEY_FILE", checkpointKey.toString());
    }

    private static Process start(Path scratch, Map<String, String> environment, int port, Path log) throws IOException {
        var builder = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "io.timestore.server.cli.Main", "serve",
                "--port", Integer.toString(port), "--data-dir", scratch.toString());
        builder.environment().putAll(environment);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return builder.start();
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitReady(URI base) throws Exception {
        var client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (client.send(HttpRequest.newBuilder(base.resolve("/readyz")).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(base + " did not become ready within 3 minutes");
    }

    private void setUp(URI base, DevIssuer issuer) throws Exception {
        var operator = issuer.mint(new DevIssuer.Grant("operator", Optional.of(new TenantId("operators")),
                List.of("platform-operator"), List.of(), Duration.ofMinutes(15)));
        IngestLoad.expect(201, post(base, "/admin/v1/tenants", "{\"id\": \"" + TENANT + "\", \"name\": \"Scale\"}", "Bearer " + operator));
        var admin = "Bearer " + issuer.mint(new DevIssuer.Grant("admin@" + TENANT, Optional.of(new TenantId(TENANT)),
                List.of("tenant-admin"), List.of(), Duration.ofMinutes(15)));
        IngestLoad.expect(201, post(base, "/storage/v1/datasets", "{\"id\": \"cpu\"}", admin));
        var token = IngestLoad.expect(201, post(base, "/admin/v1/tokens", """
                {"name": "scale", "permissions": [{"action": "dataset:write"}, {"action": "dataset:read"}]}
                """, admin));
        apiToken = "Token " + JSON.readTree(token.body()).get("token").asText();
        // A development token lives at most 15 minutes: enough for the default run (90 s, then 3 pairs of 2 x 40 s).
        auditor = "Bearer " + issuer.mint(new DevIssuer.Grant("auditor@" + TENANT, Optional.of(new TenantId(TENANT)),
                List.of("auditor"), List.of(), Duration.ofMinutes(15)));
    }

    private HttpResponse<String> post(URI base, String path, String body, String authorization) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", authorization)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What one phase measured. */
    private record Phase(long writes, long reads, List<Long> writeNanos, List<Long> readNanos, long machineCpuNanos, double seconds) {}

    private void run(List<URI> bases, int pairs, int seconds, int warmup, int initialWarmup, int clients, int batch)
            throws Exception {
        System.out.printf("%d clients, each: a batch of %d points (POST /api/v2/write), then a page of 100 audit events; "
                + "%d s measured after %d s of warm-up per phase%n", clients, batch, seconds, warmup);
        // Both JVMs warm first (JIT): in a first run without this, throughput rose fivefold over
        // three pairs and the instance that got requests only in "two" phases stayed colder.
        System.out.printf("warming both instances for %d s (load average %s)%n", initialWarmup, LoadAverage.now());
        phase(bases, clients, batch, initialWarmup);
        System.out.printf("%-6s %-8s %10s %12s %14s %14s %12s  %s%n", "pair", "phase", "requests/s", "points/s",
                "write p50/p95", "audit p50/p95", "machine CPU", "load average before");
        for (int pair = 1; pair <= pairs; pair++) {
            // Odd pairs one then two, even pairs two then one: the machine's drift falls on both.
            var order = pair % 2 == 1 ? List.of(1, 2) : List.of(2, 1);
            for (int spread : order) {
                var targets = bases.subList(0, spread);
                String load = LoadAverage.now();
                phase(targets, clients, batch, warmup);
                var measured = phase(targets, clients, batch, seconds);
                System.out.printf("%-6d %-8s %10.1f %12.0f %14s %14s %11.0f%%  %s%n", pair, spread == 1 ? "one" : "two",
                        (measured.writes() + measured.reads()) / measured.seconds(), measured.writes() * batch / measured.seconds(),
                        percentiles(measured.writeNanos()), percentiles(measured.readNanos()),
                        100.0 * measured.machineCpuNanos() / (measured.seconds() * 1e9 * Runtime.getRuntime().availableProcessors()), load);
            }
        }
    }

    private static String percentiles(List<Long> nanos) {
        var sorted = new ArrayList<>(nanos);
        sorted.sort(Long::compare);
        if (sorted.isEmpty()) {
            return "-";
        }
        return "%.0f/%.0f ms".formatted(sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.95)) / 1e6);
    }

    private Phase phase(List<URI> targets, int clients, int batch, int seconds) throws Exception {
        var writeNanos = new ConcurrentLinkedQueue<Long>();
        var readNanos = new ConcurrentLinkedQueue<Long>();
        var next = new AtomicLong();
        long machineBefore = CpuUsage.machine();
        long started = System.nanoTime();
        long deadline = started + seconds * 1_000_000_000L;
        var clientsDone = new ArrayList<java.util.concurrent.Future<Object>>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                clientsDone.add(executor.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        var base = targets.get((int) (next.getAndIncrement() % targets.size()));
                        long t = System.nanoTime();
                        write(base, batch);
                        writeNanos.add(System.nanoTime() - t);
                        base = targets.get((int) (next.getAndIncrement() % targets.size()));
                        t = System.nanoTime();
                        readAudit(base);
                        readNanos.add(System.nanoTime() - t);
                    }
                    return null;
                }));
            }
        }
        // A client that got an error answer stopped: the phase is void, not merely slower.
        for (var client : clientsDone) {
            client.get();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        long machine = CpuUsage.machine() - machineBefore;
        return new Phase(writeNanos.size(), readNanos.size(), List.copyOf(writeNanos), List.copyOf(readNanos), machine, elapsed);
    }

    private void write(URI base, int batch) throws Exception {
        long from = nextPoint.getAndAdd(batch);
        var lines = new StringBuilder(batch * 64);
        for (long k = from; k < from + batch; k++) {
            lines.append("cpu,host=h").append(k % 100).append(" usage=").append((k % 1000) / 8.0).append(' ')
                    .append(T0_NS + (k / 100) * 1_000_000_000L).append('\n');
        }
        var response = http.send(HttpRequest.newBuilder(base.resolve("/api/v2/write?org=%s&bucket=cpu&precision=ns".formatted(TENANT)))
                .header("Authorization", apiToken).header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(lines.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 204) {
            throw new IllegalStateException("write answered " + response.statusCode() + ": " + response.body());
        }
    }

    private void readAudit(URI base) throws Exception {
        var response = http.send(HttpRequest.newBuilder(base.resolve("/api/audit/v1alpha1/events?limit=100"))
                .header("Authorization", auditor).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("audit read answered " + response.statusCode() + ": " + response.body());
        }
    }
}
