package io.timestore.bench;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.CanonicalEncoding;
import io.timestore.audit.ChainHead;
import io.timestore.audit.EventIds;
import io.timestore.audit.Seal;
import io.timestore.audit.chain.Chain;
import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.store.PlatformPath;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.audit.store.SealLookup;
import io.timestore.audit.tlog.CompactRange;
import io.timestore.audit.tlog.NodeId;
import io.timestore.audit.tlog.PostgresNodeStore;
import io.timestore.audit.tlog.Rfc6962;
import io.timestore.audit.tlog.TreeHash;
import io.timestore.audit.tlog.TreeProofs;
import io.timestore.security.TenantId;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.identity.DevIssuer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;

/**
 * Issue #18's proof target: inclusion and consistency proofs at {@code --events} (default
 * 10,000,000) events in one partition, p95 at most 5 ms through HTTP. Starts a real Timestore
 * (embedded PostgreSQL, fsync on), gives partition {@code big} a tree of that many leaves, then as
 * {@code big}'s auditor times {@code GET /log/inclusion} (random seq, random tree size at least
 * that seq), {@code GET /log/consistency} (random sizes) and {@code GET /events/{id}/receipt}
 * (random sealed event that has its row) over HTTP: {@code --warmup} requests of each, then
 * {@code --requests} of each, recorded in HdrHistogram. The measuring client ({@code --client}) is
 * {@link KeepAliveClient} (default: one keep-alive connection, blocking I/O on the measuring thread)
 * or {@code jdk} ({@code java.net.http}, which hands every exchange between its own threads and so
 * adds its hand-offs to each figure); after each route the server's own timers are printed.
 *
 * <p>The fill ({@code --fill}):
 * <ul>
 *   <li>{@code sequencer}: every event is stored through {@link PostgresEventStore} and sealed by
 *       the server's own sequencer, as in production ({@link SealingLoad}'s path);</li>
 *   <li>{@code tree} (default, for 10M): all but the last {@value #TAIL} events are sealed by this
 *       class in 10,000-event transactions on the platform path, under the sequencer's partition
 *       lock, the way {@code PartitionSealer} does it: the chain by {@link Chain#sealCanonical},
 *       the tree by {@link CompactRange#appendAll} and {@link CompactRange.Appended#hashesByLeaf}
 *       carried in the seals' {@code tree_hashes} (the production code and layout of the tree,
 *       audit schema version 7); what it leaves out is the rows of those events in
 *       {@code audit_events} (their seals name ids with no row, as after a purge that kept the
 *       seals). The last {@value #TAIL} events take the production path, stored and sealed by the
 *       server's sequencer on top of the filled tree, which also signs the checkpoint.</li>
 * </ul>
 * A {@code --data-dir} whose partition already holds the tree is reused without filling (a new one
 * is filled and kept); {@code --explain} prints the plans of the routes' statements first;
 * {@code --set.<setting> value} overrides a server setting (an experiment: {@code --set.audit.seal-interval 5s}).
 *
 * <p>Over 420 lines because it fills a tree the way the sequencer does, prints its footprint and
 * plans, and measures four routes: each part reads the others' state, and splitting them would
 * pass that state between classes for no reader's benefit.
 */
public final class ProofLoad {
    static final int TAIL = 10_000;
    private static final String TENANT = "big";
    private static final int CHUNK = 10_000;
    /** The size of one stored event row of {@link AuditBenchEvents}' shape, with its index entries (smoke runs). */
    private static final long EVENT_ROW_BYTES = 1_650;
    private static final String LOG = "/api/audit/v1alpha1/log/";
    // Each seal takes an arrival number as the writer and sequencer give one (audit schema version 9).
    private static final String INSERT_SEALS = """
            INSERT INTO audit_seals (tenant_id, seq, event_id, prev_hash, hash, tree_hashes, arrival)
            SELECT ?, s.seq, s.event_id, s.prev_hash, s.hash, s.tree_hashes, nextval('audit_pending_arrival_seq')
            FROM unnest(?::bigint[], ?::uuid[], ?::bytea[], ?::bytea[], ?::bytea[]) AS s (seq, event_id, prev_hash, hash, tree_hashes)
            """;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final SplittableRandom random = new SplittableRandom(18);
    private URI base;
    private String auditor;
    /** The measuring client: {@link KeepAliveClient} (default), or null for {@code java.net.http} ({@code --client jdk}). */
    private KeepAliveClient lean;
    private boolean leanClient = true;
    /** Server settings given with {@code --set.<setting> value}, over the benchmark's own. */
    private final Map<String, String> overrides = new HashMap<>();

    private ProofLoad() {}

    public static void main(String[] args) throws Exception {
        long events = 10_000_000;
        int requests = 2_000;
        Integer warmup = null;
        String fill = "tree";
        String dataDir = null;
        boolean explain = false;
        var load = new ProofLoad();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--client" -> load.leanClient = switch (args[++i]) {
                    case "keepalive" -> true;
                    case "jdk" -> false;
                    default -> throw new IllegalArgumentException("--client is keepalive or jdk");
                };
                case "--events" -> events = Long.parseLong(args[++i].replace("_", ""));
                case "--requests" -> requests = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--fill" -> fill = args[++i];
                case "--data-dir" -> dataDir = args[++i];
                case "--explain" -> explain = true;
                default -> {
                    if (!args[i].startsWith("--set.") || i + 1 == args.length) {
                        throw new IllegalArgumentException("unknown option " + args[i]);
                    }
                    load.overrides.put(args[i].substring("--set.".length()), args[++i]); // a server setting, for an experiment
                }
            }
        }
        if (!List.of("tree", "sequencer").contains(fill) || events < TAIL) {
            throw new IllegalArgumentException("--fill is tree or sequencer, --events at least " + TAIL);
        }
        load.run(events, requests, warmup == null ? requests : warmup, fill, Optional.ofNullable(dataDir).map(Path::of),
                explain);
        System.exit(0);
    }

    private void run(long events, int requests, int warmup, String fill, Optional<Path> reuse, boolean explain) throws Exception {
        System.out.printf("date %s, %d processors, %s %s, load average %.2f; %,d events, fill %s, client %s%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), events, fill,
                leanClient ? "keepalive" : "jdk");
        var dataDir = reuse.isPresent() ? reuse.get() : Files.createTempDirectory("timestore-proof-bench");
        // The server seals its own audit events (each proof request is one) as in production; the
        // checkpoint is signed every 10,000 events or 10 s.
        var given = new HashMap<>(Map.of("server.port", "0", "data-dir", dataDir.toString(),
                "audit.checkpoint-every", "10000", "audit.checkpoint-interval", "10s"));
        given.putAll(overrides);
        var settings = SettingsLoader.load(given, Optional.empty(),
                Map.of("TIMESTORE_DEV_ISSUER", "on"));
        try (var server = Timestore.start(settings, List.of())) {
            base = server.baseUri();
            lean = leanClient ? new KeepAliveClient(base, 1) : null;
            var superuser = server.database().target().jdbcUrl() + "?user=postgres";
            DataSource runtime = server.database().runtimeDataSource();
            server.sequencer().sealNow().get(1, TimeUnit.MINUTES);
            long stored = leaves(runtime);
            if (stored >= events) {
                System.out.printf("reusing the tree of %,d leaves in %s%n", stored, dataDir);
            } else if (stored > 0) {
                throw new IllegalStateException("%s holds a tree of %,d leaves, fewer than --events: use an empty --data-dir".formatted(dataDir, stored));
            } else {
                createTenant(superuser);
                long started = System.nanoTime();
                long synthetic = fill.equals("tree") ? events - TAIL : 0;
                fillTree(runtime, superuser, synthetic, events);
                storeAndSeal(server, synthetic, events - synthetic);
                System.out.printf("filled %,d leaves in %.0f s%n", events, (System.nanoTime() - started) / 1e9);
                analyze(superuser);
            }
            footprint(superuser, events);
            auditor = "Bearer " + server.devIssuer().orElseThrow().mint(new DevIssuer.Grant("auditor", Optional.of(new TenantId(TENANT)),
                    List.of("auditor"), List.of(), Duration.ofMinutes(15)));
            long size = leaves(runtime);
            long firstReal = fill.equals("tree") ? events - TAIL : 0;
            if (explain) {
                explain(runtime, size, EventIds.forRequest(TENANT, "req-" + (events - 1)));
            }
            LongFunction<String> inclusion = ignored -> {
                long seq = 1 + random.nextLong(size);
                return LOG + "inclusion?seq=" + seq + "&tree_size=" + (seq + random.nextLong(size - seq + 1));
            };
            LongFunction<String> consistency = ignored -> {
                long size1 = 1 + random.nextLong(size);
                return LOG + "consistency?size1=" + size1 + "&size2=" + (size1 + random.nextLong(size - size1 + 1));
            };
            LongFunction<String> receipt = ignored -> "/api/audit/v1alpha1/events/"
                    + EventIds.forRequest(TENANT, "req-" + (firstReal + random.nextLong(events - firstReal))) + "/receipt";
            // The floor every audited read pays (the request's audit event is durable before the
            // answer, docs/architecture.md G4): the latest checkpoint, one row by primary key.
            measure("baseline: latest checkpoint (audited one-row read)", ignored -> LOG + "checkpoint", warmup, requests);
            measure("inclusion proof", inclusion, warmup, requests);
            measure("consistency proof", consistency, warmup, requests);
            measure("receipt", receipt, warmup, requests);
        }
        System.out.printf("load average at the end: %.2f%n", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        if (reuse.isEmpty()) {
            ScratchDirectory.delete(dataDir);
        }
    }

    private static void createTenant(String superuser) throws SQLException {
        try (var connection = DriverManager.getConnection(superuser);
             var statement = connection.prepareStatement(
                     "INSERT INTO tenants (id, name, created_by, updated_by) VALUES (?, ?, 'bench', 'bench') ON CONFLICT DO NOTHING")) {
            statement.setString(1, TENANT);
            statement.setString(2, TENANT);
            statement.executeUpdate();
        }
    }

    /**
     * Seals events 1 to {@code count} of the partition as the sequencer would, without their event
     * rows; prints the disk footprint projected to {@code target} events after the first 100,000.
     */
    private static void fillTree(DataSource runtime, String superuser, long count, long target) throws Exception {
        ChainHead head = ChainHead.genesis(TENANT);
        CompactRange range = CompactRange.empty();
        var chain = new Chain();
        long started = System.nanoTime();
        try (Connection connection = runtime.getConnection()) {
            connection.setAutoCommit(false);
            for (long from = 0; from < count; from += CHUNK) {
                int n = (int) Math.min(CHUNK, count - from);
                List<AuditEvent> batch = AuditBenchEvents.events(TENANT, Math.toIntExact(from), n);
                List<byte[]> canonical = new ArrayList<>(n);
                List<TreeHash> leaves = new ArrayList<>(n);
                for (AuditEvent event : batch) {
                    byte[] bytes = CanonicalEncoding.encode(event);
                    canonical.add(bytes);
                    leaves.add(Rfc6962.leafHash(bytes));
                }
                PlatformPath.enter(connection);
                try (var lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?, hashtext(?))")) {
                    lock.setInt(1, Sequencer.PARTITION_LOCK_CLASS);
                    lock.setString(2, TENANT);
                    lock.execute();
                }
                var sealed = chain.sealCanonical(head, canonical);
                var appended = range.appendAll(leaves);
                insertSeals(connection, batch, sealed.seals(), appended.hashesByLeaf());
                connection.commit();
                head = sealed.head();
                range = appended.range();
                long done = from + n;
                if (done % 1_000_000 == 0 || done == count) {
                    System.out.printf("  %,d leaves sealed into the tree (%.0f s)%n", done, (System.nanoTime() - started) / 1e9);
                }
                if (done == 100_000 && count > done) {
                    footprint(superuser, target);
                }
            }
        }
    }

    private static void insertSeals(Connection connection, List<AuditEvent> batch, List<Seal> seals, List<byte[]> treeHashes)
            throws SQLException {
        int n = seals.size();
        Long[] seqs = new Long[n];
        UUID[] ids = new UUID[n];
        byte[][] prevs = new byte[n][];
        byte[][] hashes = new byte[n][];
        for (int i = 0; i < n; i++) {
            seqs[i] = seals.get(i).seq();
            ids[i] = batch.get(i).eventId();
            prevs[i] = seals.get(i).prevHash().toBytes();
            hashes[i] = seals.get(i).hash().toBytes();
        }
        try (var insert = connection.prepareStatement(INSERT_SEALS)) {
            insert.setString(1, TENANT);
            insert.setArray(2, connection.createArrayOf("bigint", seqs));
            insert.setArray(3, connection.createArrayOf("uuid", ids));
            insert.setArray(4, connection.createArrayOf("bytea", prevs));
            insert.setArray(5, connection.createArrayOf("bytea", hashes));
            insert.setArray(6, connection.createArrayOf("bytea", treeHashes.toArray(byte[][]::new)));
            insert.executeUpdate();
        }
    }

    /** Stores events {@code from} to {@code from + count - 1} through the production path and has the sequencer seal them. */
    private static void storeAndSeal(Timestore server, long from, long count) throws Exception {
        var store = new PostgresEventStore(server.database().runtimeDataSource(), new AuditJson());
        long started = System.nanoTime();
        for (long at = from; at < from + count; at += CHUNK) {
            int n = (int) Math.min(CHUNK, from + count - at);
            store.append(AuditBenchEvents.events(TENANT, Math.toIntExact(at), n));
            if (at - from >= 100_000 && (at - from) % 1_000_000 == 0) {
                server.sequencer().sealNow().get(10, TimeUnit.MINUTES);
                System.out.printf("  %,d events stored and sealed (%.0f s)%n", at - from, (System.nanoTime() - started) / 1e9);
            }
        }
        server.sequencer().sealNow().get(30, TimeUnit.MINUTES);
        System.out.printf("  %,d events stored and sealed by the sequencer in %.0f s%n", count, (System.nanoTime() - started) / 1e9);
    }

    private static long leaves(DataSource runtime) throws SQLException {
        try (Connection connection = runtime.getConnection()) {
            connection.setAutoCommit(false);
            PlatformPath.enter(connection);
            long count = new PostgresNodeStore(connection, TENANT).leafCount();
            connection.rollback();
            return count;
        }
    }

    /** Statistics as a production table would have long had them, before the measurement. */
    private static void analyze(String superuser) throws SQLException {
        try (var connection = DriverManager.getConnection(superuser); var statement = connection.createStatement()) {
            long started = System.nanoTime();
            statement.execute("VACUUM (ANALYZE) audit_tree_nodes, audit_seals, audit_events, audit_tree_checkpoints");
            System.out.printf("vacuumed and analyzed the audit tables in %.0f s%n", (System.nanoTime() - started) / 1e9);
        }
    }

    /**
     * Prints the disk used by the tree, the seals and the events, per sealed event, and what a
     * partition of {@code target} events needs by those rates (an event row's size from the rows
     * that exist; with {@code --fill tree} only the last {@value #TAIL} events have one).
     */
    private static void footprint(String superuser, long target) throws SQLException {
        try (var connection = DriverManager.getConnection(superuser);
             var rows = connection.createStatement().executeQuery("""
                     SELECT pg_total_relation_size('audit_tree_nodes'), (SELECT count(*) FROM audit_seals),
                            pg_total_relation_size('audit_seals'), (SELECT count(*) FROM audit_seals),
                            pg_total_relation_size('audit_events'), (SELECT count(*) FROM audit_events)
                     """)) {
            rows.next();
            double tree = perRow(rows.getLong(1), rows.getLong(2));
            double seals = perRow(rows.getLong(3), rows.getLong(4));
            double events = perRow(rows.getLong(5), rows.getLong(6));
            // Since audit schema version 7 the tree's nodes travel in the seals (tree_hashes): the
            // node table holds only nodes no seal carries, none in a trail sealed since.
            System.out.printf("disk: node rows %,.0f MB (%,.0f bytes per seal), seals with their tree hashes %,.0f MB (%,.0f per seal), "
                    + "events %,.0f MB (%,.0f per event row)%n",
                    rows.getLong(1) / 1e6, tree, rows.getLong(3) / 1e6, seals, rows.getLong(5) / 1e6, events);
            if (events == 0) {
                // Before the tail is stored: the rows of this event shape took about 1,650 bytes each.
                events = EVENT_ROW_BYTES;
            }
            System.out.printf("disk estimate for %,d events in one partition: tree %.2f GB + seals %.2f GB + event rows %.2f GB = %.2f GB "
                    + "(plus WAL; event rows%s)%n", target, tree * target / 1e9, seals * target / 1e9, events * target / 1e9,
                    (tree + seals + events) * target / 1e9, rows.getLong(6) == 0 ? " estimated at " + EVENT_ROW_BYTES + " bytes each" : " as measured");
        }
    }

    private static double perRow(long bytes, long rows) {
        return rows == 0 ? 0 : (double) bytes / rows;
    }

    /**
     * Prints the plans, with their timing and buffers, of the statements a proof request runs, as
     * the route runs them: in a transaction of the tenant (row-level security on). The SQL is that
     * of {@code PostgresNodeStore} (its own constants), {@code PostgresTreeCheckpoints} and
     * {@code auditapi.LogStore} at the time of writing; the node ids are those an inclusion proof of a leaf a third into the
     * tree reads.
     */
    private static void explain(DataSource runtime, long size, UUID tailEvent) throws SQLException {
        try (Connection connection = runtime.getConnection()) {
            connection.setAutoCommit(false);
            try (var tenant = connection.prepareStatement("SELECT set_config('app.tenant_id', ?, true)")) {
                tenant.setString(1, TENANT);
                tenant.execute();
            }
            var store = new PostgresNodeStore(connection, TENANT);
            var asked = new ArrayList<NodeId>();
            new TreeProofs(ids -> {
                asked.addAll(ids);
                return store.read(ids);
            }).inclusion(size / 3, size);
            plan(connection, "nodes of an inclusion proof (%d ids)".formatted(asked.size()), PostgresNodeStore.READ,
                    connection.createArrayOf("int2", asked.stream().map(id -> (short) id.level()).toArray()),
                    connection.createArrayOf("int8", asked.stream().map(NodeId::index).toArray()),
                    connection.createArrayOf("int8", asked.stream().map(id -> (id.index() + 1) << id.level()).toArray()), TENANT, TENANT);
            plan(connection, "leaf count", PostgresNodeStore.LEAF_COUNT, TENANT, TENANT);
            plan(connection, "latest checkpoint",
                    "SELECT tree_size, root_hash, note FROM audit_tree_checkpoints WHERE tenant_id = ? ORDER BY tree_size DESC LIMIT 1",
                    TENANT);
            plan(connection, "event by seq", """
                    SELECT s.event_id, s.seq, e.event::text FROM audit_seals s
                    LEFT JOIN audit_events e ON e.tenant_id = s.tenant_id AND e.event_id = s.event_id
                    WHERE s.tenant_id = ? AND s.seq = ?
                    """, TENANT, size / 3);
            plan(connection, "event by id", "SELECT e.event_id, s.seq, e.event::text FROM audit_events e\n" + SealLookup.JOIN
                    + "WHERE e.tenant_id = ? AND e.event_id = ?\n", TENANT, tailEvent);
            connection.rollback();
        }
    }

    private static void plan(Connection connection, String what, String sql, Object... parameters) throws SQLException {
        try (var statement = connection.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            System.out.println("EXPLAIN " + what + ":");
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    System.out.println("  " + rows.getString(1));
                }
            }
        }
    }

    private void measure(String what, LongFunction<String> path, int warmup, int requests) throws Exception {
        for (int i = 0; i < warmup; i++) {
            get(path.apply(i));
        }
        var histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        var before = IngestLoad.timerSums(http, base);
        for (int i = 0; i < requests; i++) {
            String next = path.apply(i);
            long started = System.nanoTime();
            get(next);
            histogram.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started), histogram.getHighestTrackableValue()));
        }
        System.out.printf("RESULT %s: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms over %,d requests (after %,d warm-up)%n", what,
                histogram.getValueAtPercentile(50) / 1e3, histogram.getValueAtPercentile(95) / 1e3,
                histogram.getValueAtPercentile(99) / 1e3, histogram.getMaxValue() / 1e3, requests, warmup);
        // Where the server spent it, from its own timers over the measured requests (means): the
        // whole request, the wait for its audit event, and the group commit that made it durable.
        IngestLoad.printTimerMeans(before, IngestLoad.timerSums(http, base), List.of("timestore_http_server_requests_seconds",
                "timestore_audit_wait_seconds", "timestore_audit_group_commit_duration_seconds", "timestore_audit_seal_step_duration_seconds"));
    }

    private void get(String pathAndQuery) throws Exception {
        if (lean != null) {
            int status = lean.send(lean.get(pathAndQuery, "Authorization: " + auditor));
            if (status != 200) {
                throw new IllegalStateException(pathAndQuery + " -> " + status);
            }
            return;
        }
        var response = http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).header("Authorization", auditor).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(pathAndQuery + " -> " + response.statusCode() + " " + response.body());
        }
    }
}
