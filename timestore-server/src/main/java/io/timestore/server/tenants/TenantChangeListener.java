package io.timestore.server.tenants;

import io.timestore.security.TenantId;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a tenant's change take effect on every instance at once (docs/scaling.md "Caches"): listens
 * on the PostgreSQL channel {@value #CHANNEL}, which the V29 trigger on {@code tenants} notifies
 * with the tenant's id whenever its row changes (and V35's trigger whenever its limits change), and
 * drops what each {@link TenantCache} holds for that tenant (its status, {@link TenantStatuses#forget};
 * its limits), so the next request anywhere reads it again.
 *
 * <p>It holds one connection of the runtime pool for as long as it listens. When that connection
 * breaks, it forgets every cached status (notifications may have been missed while nobody
 * listened) and listens again after {@code retry}; meanwhile the cache's own expiry
 * ({@code auth.tenant-status-cache-ttl}) still bounds how stale an answer can be.
 *
 * <p>Owns one platform thread, started by {@link #start()}, stopped by {@link #close()}.
 */
public final class TenantChangeListener implements AutoCloseable {
    /** The notification channel of tenant changes (V29). */
    public static final String CHANNEL = "timestore_tenant_changes";
    private static final Logger log = LoggerFactory.getLogger(TenantChangeListener.class);
    /** How long one wait for notifications lasts; bounds how long {@link #close()} waits. */
    private static final int POLL_MILLIS = 500;
    /** How long to wait before listening again after the connection failed. */
    public static final Duration RETRY = Duration.ofSeconds(5);

    private final DataSource dataSource;
    private final java.util.List<TenantCache> caches;
    private final Duration retry;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile boolean listening;

    /**
     * @param dataSource runtime-role connections; one is held while listening
     * @param retry      the pause before listening again after the connection failed
     */
    public TenantChangeListener(DataSource dataSource, TenantStatuses statuses, Duration retry) {
        this(dataSource, java.util.List.of(statuses), retry);
    }

    /** As above, keeping every one of {@code caches} current. */
    public TenantChangeListener(DataSource dataSource, java.util.List<? extends TenantCache> caches, Duration retry) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.caches = java.util.List.copyOf(caches);
        this.retry = Objects.requireNonNull(retry, "retry");
        this.thread = Thread.ofPlatform().name("tenant-changes").daemon().unstarted(this::run);
    }

    /** Starts listening on its own thread. */
    public TenantChangeListener start() {
        thread.start();
        return this;
    }

    /** Whether a connection currently listens (false before the first LISTEN and after a failure). */
    public boolean isListening() {
        return listening;
    }

    private void run() {
        try {
            while (!closed) {
                listen();
                if (!closed && stopped.await(retry.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void listen() {
        try (var connection = dataSource.getConnection()) {
            try {
                listen(connection);
            } finally {
                unlisten(connection);
            }
        } catch (SQLException | RuntimeException e) {
            if (!closed) {
                log.warn("listening for tenant changes failed ({}); cached tenant statuses expire within "
                        + "auth.tenant-status-cache-ttl until it listens again", e.getMessage());
            }
        } finally {
            listening = false;
            forgetAll();
        }
    }

    /** Listens on {@code connection} until closed or until the connection fails. */
    private void listen(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
        try (var statement = connection.createStatement()) {
            statement.execute("LISTEN " + CHANNEL);
        }
        // Whatever changed before this LISTEN was not heard: start from an empty cache.
        forgetAll();
        listening = true;
        log.debug("listening for tenant changes on {}", CHANNEL);
        var pg = connection.unwrap(PGConnection.class);
        while (!closed) {
            var notifications = pg.getNotifications(POLL_MILLIS);
            if (notifications == null) {
                continue; // older drivers: nothing arrived within the wait
            }
            for (var notification : notifications) {
                forget(notification.getParameter());
            }
        }
    }

    /**
     * Ends the session's LISTEN before its connection goes back to the pool. The notifications were
     * read through the driver's own connection, whose failures the pool never sees: run through the
     * pool's handle, this statement either cleans the session for its next user or, on a session
     * the database has ended, fails where the pool sees it and evicts the connection instead of
     * lending it, dead, to the next request.
     */
    private static void unlisten(Connection connection) {
        try (var statement = connection.createStatement()) {
            statement.execute("UNLISTEN *");
        } catch (SQLException goneAlready) {
            // The pool has marked the connection broken; it will not lend it again.
        }
    }

    private void forget(String tenant) {
        TenantId id;
        try {
            id = new TenantId(tenant);
        } catch (IllegalArgumentException notAnId) {
            forgetAll();
            return;
        }
        caches.forEach(cache -> cache.forget(id));
    }

    private void forgetAll() {
        caches.forEach(TenantCache::forgetAll);
    }

    /** Stops listening and gives the connection back. */
    @Override
    public void close() {
        closed = true;
        stopped.countDown();
        if (thread.isAlive()) {
            try {
                thread.join(Duration.ofMillis(POLL_MILLIS * 4L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
