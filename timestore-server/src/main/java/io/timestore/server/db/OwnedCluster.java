package io.timestore.server.db;

import io.timestore.server.config.SettingsLoader;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster this process started under the data directory's {@link OwnerLock}: it alone stops
 * it, and (for a server) a {@link Supervisor} restarts it when it dies. Closing stops PostgreSQL,
 * waits for it to exit, and only then gives the lock up, so the next owner never finds it running.
 */
final class OwnedCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OwnedCluster.class);
    static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration STOP_WAIT = Duration.ofSeconds(60);

    private final OwnerLock lock;
    private final EmbeddedPostgres postgres;
    private final Path cluster;
    private Optional<Supervisor> supervisor = Optional.empty();

    private OwnedCluster(OwnerLock lock, EmbeddedPostgres postgres, Path cluster) {
        this.lock = lock;
        this.postgres = postgres;
        this.cluster = cluster;
    }

    /**
     * Starts the cluster in {@code cluster} (initialising it if it has never run), after stopping
     * one left running there by a previous owner that died: holding {@code lock} proves that owner
     * is gone. On failure the lock is given up.
     */
    static OwnedCluster start(Path cluster, OwnerLock lock) throws IOException {
        try {
            Files.createDirectories(cluster);
            Postmaster.running(cluster).ifPresent(leftOver -> {
                log.warn("stopping embedded PostgreSQL (pid {}) in {}, left running by a previous process that died",
                        leftOver.pid(), cluster);
                leftOver.stopFast(STOP_WAIT);
            });
            var postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(cluster)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(STARTUP_WAIT)
                    // zonky passes -F (fsync off) and synchronous_commit=off: a commit the caller
                    // was told about must survive a power cut, so both are turned back on.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("listen_addresses", "localhost")
                    .setServerConfig("max_connections", Integer.toString(SettingsLoader.EMBEDDED_MAX_CONNECTIONS))
                    .setServerConfig("logging_collector", "on")
                    .setServerConfig("log_directory", "log")
                    .start();
            log.info("embedded PostgreSQL started in {} on port {}", cluster, postgres.getPort());
            return new OwnedCluster(lock, postgres, cluster);
        } catch (IOException | RuntimeException e) {
            try {
                lock.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    int port() {
        return postgres.getPort();
    }

    /** From now on a postmaster that dies is restarted (see {@link Supervisor}). */
    synchronized void supervise() {
        if (supervisor.isEmpty()) {
            var postmaster = Postmaster.running(cluster)
                    .orElseThrow(() -> new IllegalStateException("no postmaster runs in " + cluster + " right after its start"));
            supervisor = Optional.of(Supervisor.watch(cluster, postmaster, STARTUP_WAIT));
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            supervisor.ifPresent(Supervisor::close);
            var postmaster = Postmaster.running(cluster);
            postgres.close();
            // pg_ctl gives up waiting after 5 s; the lock is not given up before PostgreSQL is gone.
            postmaster.ifPresent(p -> p.awaitExit(STOP_WAIT));
            log.info("embedded PostgreSQL stopped");
        } finally {
            lock.close();
        }
    }
}
