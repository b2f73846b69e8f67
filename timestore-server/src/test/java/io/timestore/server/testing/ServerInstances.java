package io.timestore.server.testing;

import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.security.jwt.ClaimNames;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Several {@code timestore serve} processes over one database of the shared cluster, as a
 * deployment with several instances behind a load balancer: the same master key, the same
 * checkpoint signing key and the same development issuer key (so a token minted for one is good
 * on all), each with its own data directory and port. For what only several instances show:
 * state that must be shared through PostgreSQL rather than kept in one process.
 */
public final class ServerInstances implements AutoCloseable {
    private final List<ServerProcess> processes = new ArrayList<>();
    private final List<Path> dataDirs = new ArrayList<>();
    private final List<Api> apis = new ArrayList<>();
    private final DevIssuer issuer;

    private ServerInstances(DevIssuer issuer) {
        this.issuer = issuer;
    }

    /**
     * Starts {@code count} servers on {@code database} of {@code postgres} and waits until all
     * listen. {@code environment} adds settings (e.g. {@code TIMESTORE_AUTH_BLOCKING_THRESHOLD}),
     * {@code extraArgs} command-line options (e.g. {@code --config FILE}).
     */
    public static ServerInstances start(SharedPostgres postgres, String database, int count, Map<String, String> environment,
                                        String... extraArgs) {
        var first = Directories.temporary("timestore-instance");
        var masterKey = new byte[32];
        new SecureRandom().nextBytes(masterKey);
        var checkpointKey = first.resolve("audit-checkpoint.key");
        DevIssuer issuer;
        try {
            Files.writeString(checkpointKey, CheckpointKeys.toFileText(CheckpointKeys.generate(new SecureRandom())));
            issuer = DevIssuer.load(new KeyFiles(first), "timestore", ClaimNames.defaults(), InstantSource.system());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var instances = new ServerInstances(issuer);
        var env = new HashMap<String, String>(environment);
        env.put("TIMESTORE_DB_URL", postgres.jdbcUrl(database));
        env.put("TIMESTORE_MASTER_KEY", Base64.getEncoder().encodeToString(masterKey));
        env.put("TIMESTORE_DEV_ISSUER", "on");
        env.put("TIMESTORE_AUDIT_SIGNING_KEY_FILE", checkpointKey.toString());
        try {
            for (int i = 0; i < count; i++) {
                var dataDir = i == 0 ? first : copyOfKeys(first);
                instances.dataDirs.add(dataDir);
                instances.processes.add(ServerProcess.serve(dataDir, env, extraArgs));
            }
            for (var process : instances.processes) {
                instances.apis.add(new Api(process.awaitListening(Duration.ofSeconds(90))));
            }
        } catch (RuntimeException | Error e) {
            instances.close();
            throw e;
        }
        return instances;
    }

    private static Path copyOfKeys(Path from) {
        var dataDir = Directories.temporary("timestore-instance");
        try {
            var keys = new KeyFiles(dataDir).path("x").getParent();
            Files.createDirectories(keys);
            try (var files = Files.list(new KeyFiles(from).path("x").getParent())) {
                for (var file : files.toList()) {
                    Files.copy(file, keys.resolve(file.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dataDir;
    }

    /** The HTTP client of instance {@code index} (0-based). */
    public Api api(int index) {
        return apis.get(index);
    }

    public URI uri(int index) {
        return apis.get(index).base();
    }

    public ServerProcess process(int index) {
        return processes.get(index);
    }

    /** Mints tokens every instance accepts. */
    public Tokens tokens() {
        return new Tokens(issuer);
    }

    /** Stops every instance (SIGTERM, then kill) and deletes their data directories. */
    @Override
    public void close() {
        for (var process : processes) {
            try {
                process.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dataDirs.forEach(Directories::delete);
    }
}
