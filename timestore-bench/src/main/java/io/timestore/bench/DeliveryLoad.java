package io.timestore.bench;

import io.timestore.audit.AuditJson;
import io.timestore.audit.delivery.BatchRead;
import io.timestore.audit.delivery.DeliveryLoop;
import io.timestore.audit.delivery.DeliverySink;
import io.timestore.audit.delivery.DeliveryStore;
import io.timestore.audit.delivery.DeliveryTarget;
import io.timestore.audit.delivery.DeliveryTargets;
import io.timestore.audit.delivery.SealedEvent;
import io.timestore.audit.delivery.format.EventEncoder;
import io.timestore.audit.delivery.format.EventEncoders;
import io.timestore.audit.store.PlatformPath;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.security.TenantId;
import io.timestore.server.Timestore;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.delivery.SinkFactory;
import io.timestore.server.delivery.file.FileSink;
import io.timestore.server.delivery.kafka.KafkaSink;
import io.timestore.server.identity.DevIssuer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * Audit delivery (issue #17) on a real Timestore (embedded PostgreSQL, fsync and synchronous
 * commit on), every target of the Performance section in one command. Phases
 * ({@code --phases}, comma-separated, default {@code file,kafka,catchup,ab}):
 * <ul>
 *   <li>{@code file}: stores and seals {@code --events} events (default 200,000) of a fresh tenant,
 *       then a {@link DeliveryLoop} with the default settings feeds a {@link FileSink} (NDJSON in
 *       the {@code timestore} format, fsync per batch) and it times until the loop reports the last
 *       event acknowledged (its observer, so the timing does not poll the database).
 *       {@code --rounds} (default 3) repeats with a new tenant.</li>
 *   <li>{@code kafka}: the same into a {@link KafkaSink} (idempotent producer, {@code acks=all})
 *       on a KRaft broker in this JVM (kafka-test-common-runtime's {@link KafkaClusterTestKit}, as
 *       in KafkaSinkTest): acknowledged means acknowledged by the broker. A real consumer then reads
 *       the topic back and counts the records and distinct {@code event_id}s.</li>
 *   <li>{@code catchup}: for each of {@code --catchup-sinks} (default {@code file,kafka}) a producer
 *       stores {@code --rate} events/s (default 1,000; a tenth every 100 ms, sealed by the server's
 *       sequencer) while the receiver is down for {@code --outage} seconds (default 60: the file
 *       set's directory is a regular file; the broker is shut down); then the receiver comes back,
 *       production goes on, and it times until the backlog present at recovery is delivered.</li>
 *   <li>{@code ab}: the request path's audit wait with sinks off and on in the same run: a server
 *       without sinks, then one with a file and a Kafka sink ({@code --ab-sinks}), each serving
 *       real HTTP requests (an authenticated {@code GET /storage/v1/datasets}, each audited) paced
 *       at {@code --ab-rate} req/s (default 500) for {@code --ab-seconds} (default 30) after a
 *       closed-loop warm-up of {@code --ab-warmup-seconds} (default 15); reports the client latency
 *       and {@code timestore_audit_wait_seconds} percentiles. {@code --ab-pairs} (default 1)
 *       repeats, odd pairs off then on, even pairs on then off.</li>
 *   <li>{@code steps} (not in the default): where the time of a batch goes, step by step, on the
 *       loop's own store and encoder: the batch statements alone, {@code DeliveryStore.read}
 *       (statements and parsing), encoding, the file write with fsync, the cursor commit, and the
 *       status queries of a round; per event, for {@code --events} events in {@code --batch-size}
 *       batches. Before that, the batch statements' plans ({@code EXPLAIN ANALYZE}) and three ways
 *       of reading the same batches timed side by side: the seals alone, the seals then their
 *       events by arrival number (delivery's), one primary-key lookup per seal (before audit schema
 *       version 10).</li>
 * </ul>
 * {@code --kafka-compression TYPE} sets the Kafka producer's {@code compression.type} (a sink's
 * {@code properties} entry; default: none).
 * {@code --kafka-in-flight N[,M...]} (default: the sink's default) sets the Kafka sink's
 * {@code batches-in-flight}, round by round in turn (e.g. {@code 1,4} alternates in one JVM).
 * {@code --batch-size} (default: the loop's default) changes the loop's batch size for the file,
 * kafka and catchup phases.
 *
 * <p>Over 500 lines because its phases (file, kafka, catch-up, A/B, steps) share one server, one
 * broker and one event generator in the same run, so that their figures are comparable.
 */
public final class DeliveryLoad {
    private static final List<String> DEFAULT_PHASES = List.of("file", "kafka", "catchup", "ab");
    private static final EventEncoder TIMESTORE = EventEncoders.create(EventEncoders.Format.TIMESTORE, false, null);

    private final Map<String, String> options;
    private final Path dataDir;
    private final DeliveryLoop.Settings loopSettings;
    private KafkaClusterTestKit kafka;
    private int topics;

    private DeliveryLoad(Map<String, String> options) throws IOException {
        this.options = options;
        this.dataDir = Files.createTempDirectory("timestore-delivery");
        var defaults = DeliveryLoop.Settings.defaults();
        this.loopSettings = new DeliveryLoop.Settings((int) option("batch-size", defaults.batchSize()), defaults.pollInterval(),
                defaults.backoffMin(), defaults.backoffMax(), defaults.leaderRetry());
    }

    public static void main(String[] args) throws Exception {
        var load = new DeliveryLoad(BenchOptions.parse(args));
        try {
            load.run();
        } finally {
            load.closeKafka();
            ScratchDirectory.delete(load.dataDir);
        }
        System.exit(0);
    }

    private long option(String name, long fallback) {
        return BenchOptions.number(options, name, fallback);
    }

    private List<String> list(String name, List<String> fallback) {
        return options.containsKey(name) ? Arrays.stream(options.get(name).split(",")).map(String::trim).toList() : fallback;
    }

    private boolean phase(String name) {
        return list("phases", DEFAULT_PHASES).contains(name);
    }

    private void run() throws Exception {
        System.out.printf("load average at the start: %.2f (other processes share this machine)%n", loadAverage());
        System.out.printf("date %s, %d processors, %s %s; options %s; loop %s%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), options, loopSettings);
        if (phase("file") || phase("kafka") || phase("catchup") || phase("steps")) {
            var settings = SettingsLoader.load(Map.of("server.port", "0", "data-dir", dataDir.resolve("loop").toString(),
                    "audit.checkpoint-every", "10000", "audit.checkpoint-interval", "1h"), Optional.empty(), Map.of());
            try (var server = Timestore.start(settings, List.of())) {
                server.sequencer().sealNow().get(1, TimeUnit.MINUTES);
                if (phase("steps")) {
                    steps(server);
                }
                for (var kind : List.of("file", "kafka")) {
                    if (phase(kind)) {
                        throughput(server, kind);
                    }
                }
                if (phase("catchup")) {
                    for (var kind : list("catchup-sinks", List.of("file", "kafka"))) {
                        catchUp(server, kind);
                    }
                }
            }
        }
        if (phase("ab")) {
            // Odd pairs run off then on, even pairs on then off: the first server of a run also warms this JVM.
            for (int pair = 1; pair <= option("ab-pairs", 1); pair++) {
                abRun(pair, pair % 2 == 0);
                abRun(pair, pair % 2 != 0);
            }
        }
        System.out.printf("load average at the end: %.2f%n", loadAverage());
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    // ---------------------------------------------------------------- sinks

    private KafkaClusterTestKit kafka() throws Exception {
        if (kafka == null) {
            kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .build();
            kafka.format();
            kafka.startup();
            kafka.waitForReadyBrokers();
            System.out.println("in-JVM Kafka broker ready at " + kafka.bootstrapServers());
        }
        return kafka;
    }

    private void closeKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    private String newTopic() throws Exception {
        var topic = "audit-bench-" + ++topics;
        try (var admin = kafka().admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        return topic;
    }

    /** A file sink as {@code type: file} builds it with the default format, or a Kafka sink on a new topic. */
    private DeliverySink sink(String kind, String name, String topic) throws Exception {
        return sink(kind, name, topic, 0);
    }

    /** As {@link #sink(String, String, String)}; round {@code round} takes its Kafka batches-in-flight from {@code --kafka-in-flight}. */
    private DeliverySink sink(String kind, String name, String topic, int round) throws Exception {
        return switch (kind) {
            case "file" -> new FileSink(name, new FileSink.Settings(dataDir.resolve(name), FileSink.Layout.PER_PARTITION, 100L << 20,
                    Duration.ofDays(1)), TIMESTORE, InstantSource.system());
            case "kafka" -> {
                var properties = new HashMap<String, Object>(Map.of("reconnect.backoff.max.ms", 200));
                if (options.containsKey("kafka-compression")) {
                    properties.put("compression.type", options.get("kafka-compression"));
                }
                var entry = new HashMap<String, Object>(Map.of("name", name, "type", "kafka", "bootstrap-servers",
                        kafka().bootstrapServers(), "topic", topic, "properties", properties));
                var inFlight = list("kafka-in-flight", List.of());
                if (!inFlight.isEmpty()) {
                    entry.put("batches-in-flight", inFlight.get(Math.max(0, round - 1) % inFlight.size()));
                }
                yield KafkaSink.fromEntry(entry, "bench");
            }
            default -> throw new IllegalArgumentException("unknown sink kind " + kind + " (file, kafka)");
        };
    }

    /** Follows how far one partition was acknowledged, from the loop's own reports (no polling of the database). */
    private static final class Progress implements DeliveryLoop.Observer {
        private final String partition;
        private final AtomicLong failures = new AtomicLong();
        private long through;

        Progress(String partition) {
            this.partition = partition;
        }

        @Override
        public synchronized void delivered(String sink, String delivered, int events, long throughSeq, Duration took) {
            if (delivered.equals(partition) && throughSeq > through) {
                through = throughSeq;
                notifyAll();
            }
        }

        @Override
        public void failed(String sink, String failed, int attempt, Duration retryIn, Exception cause) {
            failures.incrementAndGet();
        }

        synchronized long through() {
            return through;
        }

        synchronized void awaitThrough(long seq, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (through < seq) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("%s: delivered through %d, not %d, within %s".formatted(partition, through, seq, timeout));
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    private static DeliveryLoop loop(Timestore server, DeliverySink sink, String tenant, DeliveryLoop.Settings settings,
                                     DeliveryLoop.Observer observer) {
        var runtime = server.database().runtimeDataSource();
        return new DeliveryLoop(runtime, new DeliveryStore(runtime),
                DeliveryTargets.of(List.of(DeliveryTarget.onePartition(sink, tenant))), settings, observer).start();
    }

    private static void close(DeliverySink sink) {
        SinkFactory.close(List.of(DeliveryTarget.onePartition(sink, "-")));
    }

    private static void storeAndSeal(Timestore server, String tenant, int events) throws Exception {
        var store = new PostgresEventStore(server.database().runtimeDataSource(), new AuditJson());
        var all = AuditBenchEvents.events(tenant, events);
        for (int from = 0; from < events; from += 1_000) {
            store.append(all.subList(from, Math.min(events, from + 1_000)));
        }
        server.sequencer().sealNow().get(10, TimeUnit.MINUTES);
    }

    // ---------------------------------------------------------------- throughput

    private void throughput(Timestore server, String kind) throws Exception {
        int events = (int) option("events", 200_000);
        for (int round = 1; round <= option("rounds", 3); round++) {
            var tenant = kind + "-" + round;
            storeAndSeal(server, tenant, events);
            var topic = kind.equals("kafka") ? newTopic() : null;
            var sink = sink(kind, "bench-" + tenant, topic, round);
            var progress = new Progress(tenant);
            long t = System.nanoTime();
            try (var loop = loop(server, sink, tenant, loopSettings, progress)) {
                progress.awaitThrough(events, Duration.ofMinutes(10));
            } finally {
                close(sink);
            }
            double seconds = (System.nanoTime() - t) / 1e9;
            System.out.printf("RESULT %s round %d%s: delivered %,d events in %.2f s = %,.0f events/s (%d failed attempts)%n",
                    kind, round, sink instanceof KafkaSink k ? " (" + k.batchesInFlight() + " batches in flight)" : "", events, seconds, events / seconds, progress.failures.get());
            if (topic != null) {
                var consumed = consume(topic, events, Duration.ofMinutes(5));
                System.out.printf("  consumed back from %s: %,d records, %,d distinct event_id%n", topic, consumed[0], consumed[1]);
                if (consumed[1] != events) {
                    throw new IllegalStateException("the topic lacks events: " + consumed[1] + " of " + events);
                }
            }
        }
    }

    /** Reads {@code topic} from the beginning with a real consumer until {@code expected} distinct events: {records, distinct}. */
    private long[] consume(String topic, int expected, Duration timeout) throws Exception {
        var config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka().bootstrapServers());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        var ids = new HashSet<String>();
        long records = 0;
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ids.size() < expected && System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    ids.add(new String(record.headers().lastHeader("event_id").value(), StandardCharsets.UTF_8));
                }
            }
        }
        return new long[] {records, ids.size()};
    }

    // ---------------------------------------------------------------- catch-up

    private void catchUp(Timestore server, String kind) throws Exception {
        int outage = (int) option("outage", 60);
        int rate = (int) option("rate", 1_000);
        var tenant = "outage-" + kind;
        var name = "bench-" + tenant;
        var topic = kind.equals("kafka") ? newTopic() : null;
        Path blocker = null;
        if (kind.equals("file")) {
            // The receiver is down: where the tenant's file set belongs there is a regular file.
            Files.createDirectories(dataDir.resolve(name));
            blocker = Files.writeString(dataDir.resolve(name).resolve(tenant), "the receiver is down");
        }
        var broker = kind.equals("kafka") ? kafka().brokers().values().iterator().next() : null;
        if (broker != null) {
            broker.shutdown();
            broker.awaitShutdown();
        }
        var producing = new AtomicBoolean(true);
        var appender = new PostgresEventStore(server.database().runtimeDataSource(), new AuditJson());
        var producer = Thread.ofPlatform().name("producer").start(() -> {
            long next = System.nanoTime();
            for (int i = 0; producing.get(); i += rate / 10) {
                appender.append(AuditBenchEvents.events(tenant, i, rate / 10));
                next += Duration.ofMillis(100).toNanos();
                LockSupport.parkNanos(next - System.nanoTime());
            }
        });
        var sink = sink(kind, name, topic);
        var progress = new Progress(tenant);
        try (var loop = loop(server, sink, tenant, loopSettings, progress)) {
            Thread.sleep(Duration.ofSeconds(outage));
            long head = server.delivery().store().heads().get(tenant).lastSeq();
            long backlog = head - progress.through();
            if (blocker != null) {
                Files.delete(blocker);
            } else {
                broker.startup();
                kafka().waitForReadyBrokers();
            }
            long t = System.nanoTime();
            progress.awaitThrough(head, Duration.ofMinutes(10));
            double seconds = (System.nanoTime() - t) / 1e9;
            long lagAfter = server.delivery().store().heads().get(tenant).lastSeq() - progress.through();
            System.out.printf("RESULT catch-up %s: after a %d s outage at %,d events/s (backlog %,d events at recovery, %d failed attempts), "
                            + "the backlog was delivered %.2f s after recovery, production going on (%,d sealed events not yet delivered then)%n",
                    kind, outage, rate, backlog, progress.failures.get(), seconds, lagAfter);
        } finally {
            producing.set(false);
            producer.join();
            close(sink);
        }
    }

    // ---------------------------------------------------------------- A/B of the audit wait

    private void abRun(int pair, boolean withSinks) throws Exception {
        var dir = Files.createDirectories(dataDir.resolve("ab-" + pair + (withSinks ? "-on" : "-off")));
        Optional<Path> config = Optional.empty();
        var described = "none";
        if (withSinks) {
            var yaml = new StringBuilder("audit:\n  delivery:\n    sinks:\n");
            for (var kind : list("ab-sinks", List.of("file", "kafka"))) {
                yaml.append(switch (kind) {
                    case "file" -> "      - {name: ab-file, type: file, path: '%s'}\n".formatted(dir.resolve("sink"));
                    case "kafka" -> "      - {name: ab-kafka, type: kafka, bootstrap-servers: '%s', topic: %s}\n"
                            .formatted(kafka().bootstrapServers(), newTopic());
                    default -> throw new IllegalArgumentException("unknown sink kind " + kind + " (file, kafka)");
                });
            }
            config = Optional.of(Files.writeString(dir.resolve("sinks.yaml"), yaml));
            described = String.join(", ", list("ab-sinks", List.of("file", "kafka")));
        }
        var settings = SettingsLoader.load(Map.of("server.port", "0", "data-dir", dir.resolve("data").toString()), config,
                Map.of("TIMESTORE_DEV_ISSUER", "on"));
        var client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (var server = Timestore.start(settings, List.of());
             var http = new KeepAliveClient(server.baseUri(), 64)) {
            var issuer = server.devIssuer().orElseThrow();
            var operator = issuer.mint(new DevIssuer.Grant("operator", Optional.of(new TenantId("operators")), List.of("platform-operator"),
                    List.of(), Duration.ofMinutes(15)));
            var created = client.send(HttpRequest.newBuilder(server.baseUri().resolve("/admin/v1/tenants"))
                    .header("Authorization", "Bearer " + operator).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\": \"ab\", \"name\": \"A/B\"}")).build(), HttpResponse.BodyHandlers.ofString());
            if (created.statusCode() != 201) {
                throw new IllegalStateException("creating the tenant answered " + created.statusCode() + ": " + created.body());
            }
            var admin = issuer.mint(new DevIssuer.Grant("admin@ab", Optional.of(new TenantId("ab")), List.of("tenant-admin"), List.of(),
                    Duration.ofMinutes(15)));
            byte[] request = http.get("/storage/v1/datasets", "Authorization: Bearer " + admin);
            closedLoop(http, request, (int) option("ab-warmup-seconds", 15));
            var before = IngestLoad.auditWaitBuckets(client, server.baseUri());
            var latencies = paced(http, request, (int) option("ab-rate", 500), (int) option("ab-seconds", 30));
            var after = IngestLoad.auditWaitBuckets(client, server.baseUri());
            var waits = new TreeMap<Double, Double>();
            after.forEach((le, count) -> waits.put(le, count - before.getOrDefault(le, 0.0)));
            System.out.printf("RESULT ab pair %d sinks %s (%s): request latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms; "
                            + "audit wait p50 %.3f ms, p95 %.3f ms, p99 %.3f ms (%,.0f observations); delivered by the sinks: %s%n",
                    pair, withSinks ? "on" : "off", described, IngestLoad.percentile(latencies, 0.5) / 1e6,
                    IngestLoad.percentile(latencies, 0.95) / 1e6, IngestLoad.percentile(latencies, 0.99) / 1e6,
                    IngestLoad.bucketQuantile(waits, 0.5) * 1e3, IngestLoad.bucketQuantile(waits, 0.95) * 1e3,
                    IngestLoad.bucketQuantile(waits, 0.99) * 1e3, waits.getOrDefault(Double.POSITIVE_INFINITY, 0.0),
                    deliveredBySinks(server));
        }
    }

    private static String deliveredBySinks(Timestore server) {
        var cursors = server.delivery().store().cursors(Optional.empty());
        if (cursors.isEmpty()) {
            return "-";
        }
        var out = new StringBuilder();
        cursors.forEach(c -> out.append(c.sink()).append('/').append(c.partition()).append(" through ").append(c.deliveredSeq())
                .append(" of ").append(c.headSeq()).append("; "));
        return out.toString();
    }

    /** 8 virtual threads sending back to back for {@code seconds}: the JIT and the pools warm up. */
    private static void closedLoop(KeepAliveClient http, byte[] request, int seconds) throws InterruptedException {
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        var sent = new AtomicLong();
        var threads = new ArrayList<Thread>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < until) {
                    try {
                        http.send(request);
                        sent.incrementAndGet();
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        for (var thread : threads) {
            thread.join();
        }
        System.out.printf("  warm-up: %,d requests in %d s%n", sent.get(), seconds);
    }

    /** Open loop: request i is due at start + i/rate; its latency counts from then (no coordinated omission). */
    private static List<Long> paced(KeepAliveClient http, byte[] request, int rate, int seconds) throws InterruptedException {
        int total = rate * seconds;
        long interval = 1_000_000_000L / rate;
        long[] took = new long[total];
        var failed = new AtomicLong();
        var done = new CountDownLatch(total);
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + i * interval;
            LockSupport.parkNanos(due - System.nanoTime());
            int slot = i;
            Thread.ofVirtual().start(() -> {
                try {
                    if (!http.answeredOk(request)) {
                        failed.incrementAndGet();
                    }
                } finally {
                    took[slot] = System.nanoTime() - due;
                    done.countDown();
                }
            });
        }
        done.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("  paced: %,d requests at %,d req/s answered in %.1f s (%,d not 200)%n", total, rate, elapsed, failed.get());
        return Arrays.stream(took).boxed().toList();
    }

    // ---------------------------------------------------------------- steps

    /** The time of each step of a batch, per event, measured one step after the other on one thread. */
    private void steps(Timestore server) throws Exception {
        int events = (int) option("events", 200_000);
        int batch = loopSettings.batchSize();
        var tenant = "steps";
        storeAndSeal(server, tenant, events);
        var runtime = server.database().runtimeDataSource();
        var store = new DeliveryStore(runtime);
        explain(runtime, tenant, events / 2, batch);
        for (int pass = 1; pass <= option("rounds", 3); pass++) {
            var name = "steps-" + pass;
            var sink = (FileSink) sink("file", name, null);
            store.ensure(name, tenant, 0);
            long[] nanos = new long[7];
            long after = 0;
            try {
                while (after < events) {
                    long t0 = System.nanoTime();
                    query(runtime, tenant, after, batch);
                    long t1 = System.nanoTime();
                    List<SealedEvent> read = store.read(tenant, after, batch, sink.readsMembers()).events();
                    long t2 = System.nanoTime();
                    read.forEach(TIMESTORE::encode);
                    long t3 = System.nanoTime();
                    sink.deliver(tenant, read);
                    long t4 = System.nanoTime();
                    after = read.getLast().seal().seq();
                    store.advance(name, tenant, after);
                    long t5 = System.nanoTime();
                    store.heads();
                    long t6 = System.nanoTime();
                    store.cursors(Optional.of(name));
                    long t7 = System.nanoTime();
                    long[] step = {t1 - t0, t2 - t1, t3 - t2, (t4 - t3) - (t3 - t2), t5 - t4, t6 - t5, t7 - t6};
                    for (int i = 0; i < step.length; i++) {
                        nanos[i] += step[i];
                    }
                }
            } finally {
                sink.close();
            }
            double perEvent = 1e3 * events;
            System.out.printf("RESULT steps pass %d (%,d-event batches), µs per event: batch statements alone %.2f | read (statements; parsed where the format needs it) %.2f | "
                            + "encode %.2f | file write + fsync %.2f | cursor commit %.2f | heads %.2f, cursors %.2f (status queries, here "
                            + "once per batch; the loop runs them once per round: 8 batches per partition, or up to 1 s of a lone backlog)%n", pass, batch,
                    nanos[0] / perEvent, nanos[1] / perEvent, nanos[2] / perEvent, nanos[3] / perEvent, nanos[4] / perEvent,
                    nanos[5] / perEvent, nanos[6] / perEvent);
        }
    }

    /** The batch's events as delivery read them before audit schema version 10: one primary-key lookup per seal. */
    private static final String BY_ID = """
            SELECT s.seq, s.prev_hash, s.hash, s.event_id,
                   (SELECT e.event::text FROM audit_events e WHERE e.tenant_id = s.tenant_id AND e.event_id = s.event_id)
            FROM audit_seals s
            WHERE s.tenant_id = ? AND s.seq > ? AND s.seq <= ? ORDER BY s.seq LIMIT ?
            """;

    /**
     * {@code EXPLAIN (ANALYZE, BUFFERS, VERBOSE)} of DeliveryStore's two batch statements for the batch
     * after {@code after}, as the runtime role on the platform path, then the same batches' time three
     * ways: the seals alone, the seals then their events by arrival number (what delivery runs), and
     * one primary-key lookup per seal (what it ran before audit schema version 10).
     */
    private static void explain(DataSource runtime, String tenant, long after, int limit) throws SQLException {
        try (var connection = runtime.getConnection()) {
            connection.setAutoCommit(false);
            PlatformPath.enter(connection);
            setting(connection, DeliveryStore.ORDERED_SCANS);
            var arrivals = arrivals(connection, tenant, after, limit);
            explain(connection, "seals after seq " + after, BatchRead.SEALS, tenant, after, after + limit, limit);
            explain(connection, "their events by arrival number", BatchRead.EVENTS_BY_ARRIVAL, tenant, arrivals, 2 * limit);
            connection.commit();
        }
        var variants = new LinkedHashMap<String, Reader>();
        variants.put("seals only", (connection, from) -> seals(connection, tenant, from, limit));
        variants.put("seals, then events by arrival number (as delivery runs it)", (connection, from) ->
                rows(connection, BatchRead.EVENTS_BY_ARRIVAL, tenant, arrivals(connection, tenant, from, limit), 2 * limit));
        variants.put("one primary-key lookup per seal (before schema 10)", (connection, from) ->
                rows(connection, BY_ID, tenant, from, from + limit, limit));
        for (int repeat = 0; repeat < 2; repeat++) {
            for (var variant : variants.entrySet()) {
                long t = System.nanoTime();
                long read = 0;
                for (long from = 0; from < 50 * (long) limit; from += limit) {
                    try (var connection = runtime.getConnection()) {
                        connection.setAutoCommit(false);
                        PlatformPath.enter(connection);
                        setting(connection, DeliveryStore.ORDERED_SCANS);
                        read += variant.getValue().read(connection, from);
                        connection.commit();
                    }
                }
                if (read != 50L * limit) {
                    throw new IllegalStateException(variant.getKey() + " read " + read + " rows, not " + 50L * limit);
                }
                System.out.printf("RESULT steps batch query, %s: %.2f µs per event (50 batches of %,d)%n", variant.getKey(),
                        (System.nanoTime() - t) / 1e3 / (50.0 * limit), limit);
            }
        }
    }

    /** One way of reading the batch after seq {@code from}; returns the rows read. */
    private interface Reader {
        long read(java.sql.Connection connection, long from) throws SQLException;
    }

    private static void setting(java.sql.Connection connection, String sql) throws SQLException {
        try (var statement = connection.prepareStatement(sql); var rows = statement.executeQuery()) {
            rows.next();
        }
    }

    private static void explain(java.sql.Connection connection, String title, String sql, Object... parameters) throws SQLException {
        try (var statement = connection.prepareStatement("EXPLAIN (ANALYZE, BUFFERS, VERBOSE) " + sql)) {
            bind(statement, parameters);
            try (var rows = statement.executeQuery()) {
                System.out.println("EXPLAIN of " + title + ":");
                while (rows.next()) {
                    System.out.println("  " + rows.getString(1));
                }
            }
        }
    }

    private static void bind(java.sql.PreparedStatement statement, Object... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i]);
        }
    }

    /** The seals of the batch after {@code from}, read as DeliveryStore reads them; returns how many. */
    private static long seals(java.sql.Connection connection, String tenant, long from, int limit) throws SQLException {
        return rows(connection, BatchRead.SEALS, tenant, from, from + limit, limit);
    }

    /** The arrival numbers of the batch after {@code from}'s seals, read as DeliveryStore reads them. */
    private static java.sql.Array arrivals(java.sql.Connection connection, String tenant, long from, int limit) throws SQLException {
        var arrivals = new ArrayList<Long>(limit);
        try (var statement = connection.prepareStatement(BatchRead.SEALS)) {
            bind(statement, tenant, from, from + limit, limit);
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    rows.getBytes(2);
                    rows.getBytes(3);
                    rows.getObject(4);
                    arrivals.add(rows.getLong(5));
                }
            }
        }
        return connection.createArrayOf("bigint", arrivals.toArray());
    }

    /** Runs {@code sql}, reads every column's bytes but the first, and returns the rows read. */
    private static long rows(java.sql.Connection connection, String sql, Object... parameters) throws SQLException {
        long read = 0;
        try (var statement = connection.prepareStatement(sql)) {
            bind(statement, parameters);
            try (var rows = statement.executeQuery()) {
                int columns = rows.getMetaData().getColumnCount();
                while (rows.next()) {
                    for (int c = 2; c <= columns; c++) {
                        rows.getBytes(c);
                    }
                    read++;
                }
            }
        }
        return read;
    }

    /** DeliveryStore's batch statements alone: the rows fetched and their JSON text read, nothing parsed. */
    private static void query(DataSource runtime, String tenant, long after, int limit) throws SQLException {
        try (var connection = runtime.getConnection()) {
            connection.setAutoCommit(false);
            PlatformPath.enter(connection);
            setting(connection, DeliveryStore.ORDERED_SCANS);
            rows(connection, BatchRead.EVENTS_BY_ARRIVAL, tenant, arrivals(connection, tenant, after, limit), 2 * limit);
            connection.commit();
        }
    }
}
