package io.timestore.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Several {@code timestore serve} processes, each on a port of its own, over ONE database of the
 * shared test cluster (docs/scaling.md): what N stateless instances behind a load balancer are.
 * They share what instances of one deployment share: the database URL, the master key, the audit
 * checkpoint key and the development issuer's key (one data directory, whose keys are created
 * before any instance starts, so no two instances race to generate them).
 */
public final class ServerCluster implements AutoCloseable {
    /** Flags for the instances' JVMs: quicker start-up and a smaller heap on a small, shared machine. */
    private static final String JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx384m";

    private final String database;
    private final Path dataDir;
    private final List<ServerProcess> processes;
    private final List<Api> apis;
    private final Tokens tokens;

    private ServerCluster(String database, Path dataDir, List<ServerProcess> processes, List<Api> apis, Tokens tokens) {
        this.database = database;
        this.dataDir = dataDir;
        this.processes = processes;
        this.apis = apis;
        this.tokens = tokens;
    }

    /**
     * Starts {@code instances} servers at once on a new database of {@code postgres}, with
     * {@code config} (YAML, may be empty) as every instance's configuration file.
     */
    public static ServerCluster start(SharedPostgres postgres, String databasePrefix, int instances, String config) {
        return on(postgres, postgres.createDatabase(databasePrefix), instances, config, Map.of());
    }

    /**
     * Starts {@code instances} servers at once on {@code database}, an existing database of
     * {@code postgres} (a test may prepare rows first), with {@code config} (YAML, may be empty) as
     * every instance's configuration file and {@code environment} added to their environment
     * (e.g. {@code TIMESTORE_AUTH_BLOCKING_THRESHOLD}).
     */
    public static ServerCluster on(SharedPostgres postgres, String database, int instances, String config,
                                   Map<String, String> environment) {
        var dataDir = Directories.temporary("timestore-cluster");
        var processes = new ArrayList<ServerProcess>();
        try {
            var keys = DeploymentKeys.in(dataDir, postgres.jdbcUrl(database), config);
            var shared = new HashMap<String, String>(environment);
            shared.putAll(keys.environment());
            shared.put("JAVA_TOOL_OPTIONS", JVM_OPTIONS);
            for (int i = 0; i < instances; i++) {
                processes.add(ServerProcess.serve(dataDir, shared, "--config", keys.configFile().toString()));
            }
            var apis = new ArrayList<Api>();
            for (var process : processes) {
                apis.add(new Api(process.awaitListening(Duration.ofSeconds(180))));
            }
            return new ServerCluster(database, dataDir, processes, apis, keys.tokens());
        } catch (IOException | RuntimeException e) {
            processes.forEach(ServerCluster::closeQuietly);
            Directories.delete(dataDir);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** The database every instance serves. */
    public String database() {
        return database;
    }

    public int size() {
        return processes.size();
    }

    /** The HTTP client of instance {@code i}. */
    public Api api(int i) {
        return apis.get(i);
    }

    public ServerProcess process(int i) {
        return processes.get(i);
    }

    /** The indexes of the instances still running. */
    public List<Integer> alive() {
        var alive = new ArrayList<Integer>();
        for (int i = 0; i < processes.size(); i++) {
            if (processes.get(i).isAlive()) {
                alive.add(i);
            }
        }
        return alive;
    }

    /** Real JWTs every instance accepts (the shared development issuer). */
    public Tokens tokens() {
        return tokens;
    }

    /**
     * The sum of the samples of Prometheus metric {@code name} on instance {@code i} whose labels
     * contain {@code labelFilter} (empty: all), or 0 when it has none.
     */
    public double metric(int i, String name, String labelFilter) {
        var response = api(i).get("/metrics");
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /metrics on instance " + i + ": " + response.statusCode());
        }
        var sample = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([-+0-9.eE]+|NaN)$");
        double sum = 0;
        for (var line : response.body().split("\n")) {
            var match = sample.matcher(line);
            if (match.matches() && (match.group(1) == null ? "" : match.group(1)).contains(labelFilter)) {
                sum += Double.parseDouble(match.group(2));
            }
        }
        return sum;
    }

    @Override
    public void close() {
        processes.forEach(ServerCluster::closeQuietly);
        Directories.delete(dataDir);
    }

    private static void closeQuietly(ServerProcess process) {
        try {
            process.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
