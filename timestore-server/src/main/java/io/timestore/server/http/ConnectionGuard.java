package io.timestore.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Keeps slow and greedy clients from holding connections. Jetty's idle timeout (set on the
 * connector) closes a connection that sends nothing; this adds the two limits Jetty lacks:
 *
 * <ul>
 *   <li>A request head (request line and headers) must arrive within the header timeout of its
 *       first byte. A client trickling header lines ("slowloris") keeps a connection busy but
 *       never idle; its connection is closed without a response.</li>
 *   <li>At most {@code maxPerSource} connections from one client address are open at once; one
 *       more is closed as soon as it is opened, before anything is read.</li>
 * </ul>
 *
 * <p>Neither closes a request (no head was read), so neither leaves an audit event; both are
 * counted in {@code timestore_http_connections_closed_total{reason}}.
 *
 * <p>The header timeout is kept by one watch per connection that wakes at most once per
 * timeout and looks at the HTTP parser's state, which Jetty publishes safely (a volatile field
 * written after the head's start time): no work on the request path. The parser is reached
 * through Jetty's {@code internal.HttpConnection}, the only way to it; a Jetty upgrade must keep
 * {@code SlowClientsTest} green.
 */
final class ConnectionGuard implements Connection.Listener {
    private final Scheduler scheduler;
    private final long headerTimeoutNanos;
    private final int maxPerSource;
    private final Map<InetAddress, Integer> openPerSource = new ConcurrentHashMap<>();
    private final Map<Connection, Opened> open = new ConcurrentHashMap<>();
    private final Counter headerTimeouts;
    private final Counter overSourceLimit;

    ConnectionGuard(Scheduler scheduler, Duration headerTimeout, int maxPerSource, MeterRegistry registry) {
        this.scheduler = scheduler;
        this.headerTimeoutNanos = headerTimeout.toNanos();
        this.maxPerSource = maxPerSource;
        this.headerTimeouts = closed(registry, "header_timeout");
        this.overSourceLimit = closed(registry, "per_source_limit");
    }

    private static Counter closed(MeterRegistry registry, String reason) {
        return Counter.builder("timestore.http.connections.closed")
                .description("Connections the server closed before a request was read: request head too slow, or too many from one address")
                .tag("reason", reason)
                .register(registry);
    }

    @Override
    public void onOpened(Connection connection) {
        // The address is remembered now: a closed channel no longer tells its remote address.
        var source = source(connection);
        var watch = connection instanceof HttpConnection http ? new Watch(http) : null;
        open.put(connection, new Opened(source, watch));
        if (source != null && openPerSource.merge(source, 1, Integer::sum) > maxPerSource) {
            overSourceLimit.increment();
            connection.getEndPoint().close();
        } else if (watch != null) {
            watch.after(headerTimeoutNanos);
        }
    }

    @Override
    public void onClosed(Connection connection) {
        var opened = open.remove(connection);
        if (opened == null) {
            return;
        }
        if (opened.source() != null) {
            openPerSource.computeIfPresent(opened.source(), (address, count) -> count <= 1 ? null : count - 1);
        }
        if (opened.watch() != null) {
            opened.watch().cancel();
        }
    }

    private static InetAddress source(Connection connection) {
        return connection.getEndPoint().getRemoteSocketAddress() instanceof InetSocketAddress address ? address.getAddress() : null;
    }

    /** What is known of an open connection: where it comes from, and its header watch. */
    private record Opened(InetAddress source, Watch watch) {}

    /** Looks at one connection's parser now and then; closes the connection when a head is late. */
    private final class Watch implements Runnable {
        private final HttpConnection connection;
        private long requestsSeen;
        private long bytesSeen;
        /** When bytes were first seen arriving with no request line begun (blank-line padding), or -1. */
        private long paddingSince = -1;
        private Scheduler.Task task;
        private boolean cancelled;

        Watch(HttpConnection connection) {
            this.connection = connection;
        }

        synchronized void after(long nanos) {
            if (!cancelled) {
                task = scheduler.schedule(this, nanos, TimeUnit.NANOSECONDS);
            }
        }

        synchronized void cancel() {
            cancelled = true;
            if (task != null) {
                task.cancel();
            }
        }

        @Override
        public synchronized void run() {
            if (cancelled) {
                return;
            }
            long now = System.nanoTime();
            var parser = connection.getParser();
            // The state first: its volatile read makes the begin time written before it visible.
            var state = parser.getState();
            long requests = connection.getMessagesIn();
            long bytes = connection.getBytesIn();
            boolean progressed = requests != requestsSeen;
            boolean arrived = bytes != bytesSeen;
            requestsSeen = requests;
            bytesSeen = bytes;
            if (state.ordinal() >= HttpParser.State.CONTENT.ordinal()) {
                // A request is being handled or its body read: the idle timeout watches that.
                paddingSince = -1;
                after(headerTimeoutNanos);
            } else if (state == HttpParser.State.START) {
                // Between requests. Bytes that arrived although no request completed and no
                // request line began are blank-line padding: late like any head after the timeout.
                paddingSince = (!arrived || progressed) ? -1 : (paddingSince < 0 ? now : paddingSince);
                if (paddingSince >= 0 && now - paddingSince >= headerTimeoutNanos) {
                    expire();
                } else {
                    after(headerTimeoutNanos);
                }
            } else {
                // A head is arriving; Jetty noted when its first byte was parsed.
                long late = now - parser.getBeginNanoTime() - headerTimeoutNanos;
                if (late >= 0) {
                    expire();
                } else {
                    after(-late);
                }
            }
        }

        private void expire() {
            cancelled = true;
            headerTimeouts.increment();
            connection.getEndPoint().close(new TimeoutException(
                    "request head not complete within " + Duration.ofNanos(headerTimeoutNanos)));
        }
    }
}
