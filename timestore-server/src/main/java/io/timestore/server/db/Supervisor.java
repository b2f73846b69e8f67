package io.timestore.server.db;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the server's embedded PostgreSQL running: when its postmaster dies (killed, out of
 * memory, crashed), it is started again on the same port, PostgreSQL recovers from its WAL, and
 * the connection pools reconnect on their own, without a server restart. Until then requests
 * needing the database fail with 503 and {@code /readyz} reports {@code database: down}.
 *
 * <p>One platform thread checks the postmaster twice a second. A restart that fails (the dead
 * postmaster's backends may still hold its shared memory for a moment, or the port was taken) is
 * retried with a growing pause, each failure logged.
 */
final class Supervisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    private static final Duration CHECK_EVERY = Duration.ofMillis(500);
    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration LAST_RETRY = Duration.ofSeconds(30);

    private final Path cluster;
    private final Duration startupWait;
    private final Object wakeUp = new Object();
    private final Thread thread;
    private volatile boolean closing;

    private Supervisor(Path cluster, Postmaster postmaster, Duration startupWait) {
        this.cluster = cluster;
        this.startupWait = startupWait;
        this.thread = Thread.ofPlatform().name("embedded-postgres-supervisor").daemon().start(() -> watch(postmaster));
    }

    /** Starts watching {@code postmaster}, the running server of {@code cluster}. */
    static Supervisor watch(Path cluster, Postmaster postmaster, Duration startupWait) {
        return new Supervisor(cluster, postmaster, startupWait);
    }

    private void watch(Postmaster postmaster) {
        var current = postmaster;
        while (!closing) {
            if (current.alive()) {
                pause(CHECK_EVERY);
                continue;
            }
            if (closing) {
                return;
            }
            log.error("embedded PostgreSQL (pid {}) exited unexpectedly; restarting it in {}", current.pid(), cluster);
            var restarted = restart();
            if (restarted == null) {
                return;
            }
            current = restarted;
        }
    }

    /** The restarted postmaster, or null once the supervisor is closing. */
    private Postmaster restart() {
        var pause = FIRST_RETRY;
        while (!closing) {
            try {
                var postmaster = Postmaster.restart(cluster, startupWait);
                log.info("embedded PostgreSQL restarted in {} on port {} (pid {})", cluster, postmaster.port(), postmaster.pid());
                return postmaster;
            } catch (IOException e) {
                log.error("restarting embedded PostgreSQL in {} failed ({}); trying again in {}", cluster, e.getMessage(), pause);
            } catch (InterruptedException e) {
                return null; // only close() interrupts
            }
            pause(pause);
            pause = pause.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : pause.multipliedBy(2);
        }
        return null;
    }

    private void pause(Duration duration) {
        synchronized (wakeUp) {
            if (!closing) {
                try {
                    wakeUp.wait(duration.toMillis());
                } catch (InterruptedException e) {
                    closing = true;
                }
            }
        }
    }

    /**
     * Stops watching, before the owner stops PostgreSQL on purpose. A restart in progress is
     * waited for (pg_ctl's own wait bounds it), so the owner then stops what it started.
     */
    @Override
    public void close() {
        synchronized (wakeUp) {
            closing = true;
            wakeUp.notifyAll();
        }
        try {
            thread.join(startupWait.plusSeconds(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
