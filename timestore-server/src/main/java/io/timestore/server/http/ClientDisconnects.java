package io.timestore.server.http;

import io.javalin.http.Context;
import io.timestore.server.db.Cancellation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;

/**
 * Ties a request's database work to its HTTP client (docs/influxql.md "Cancellation"): when the
 * client goes away before the answer, the request's {@link Cancellation} is cancelled, so the
 * statement it runs stops.
 *
 * <p>Jetty does not read an HTTP/1.1 connection while its request is handled, so it notices neither
 * a close (FIN) nor a reset then; its failure listener fires only for failures it sees. A watch
 * therefore probes a plain connection's socket every {@link #PROBE_INTERVAL} with a non-blocking
 * one-byte read: end of stream or a reset means the client is gone. A byte read means the client
 * sent more before its answer (HTTP pipelining, which Grafana, browsers and the common clients never
 * do): probing stops, and that next request is lost. The probe stops, under the same lock as its
 * read, when the watch is closed, which the route does before its answer is written, so it never
 * reads what a client sends after the answer. TLS connections are not probed (a raw read would
 * consume encrypted bytes).
 */
public final class ClientDisconnects {
    /** How often a running request's plain connection is probed. */
    static final Duration PROBE_INTERVAL = Duration.ofMillis(100);

    private ClientDisconnects() {}

    /** A watch over the client of {@code ctx}; close it before the answer is written. */
    public static Watch watch(Context ctx) {
        var cancellation = new Cancellation();
        Request request;
        try {
            request = ServletContextRequest.getServletContextRequest(ctx.req());
        } catch (IllegalStateException notJetty) {
            return new Watch(cancellation, null);
        }
        request.addFailureListener(failure -> cancellation.cancel());
        SocketChannel channel = null;
        if (request.getConnectionMetaData().getConnection().getEndPoint() instanceof SocketChannelEndPoint plain
                && !request.isSecure()) {
            channel = plain.getChannel();
        }
        var watch = new Watch(cancellation, channel);
        if (channel != null) {
            Thread.ofVirtual().name("client-probe").start(watch::probe);
        }
        return watch;
    }

    /** The cancellation of one request and the probe of its connection. Thread-safe. */
    public static final class Watch implements AutoCloseable {
        private final Cancellation cancellation;
        private final SocketChannel channel;
        private boolean closed;

        private Watch(Cancellation cancellation, SocketChannel channel) {
            this.cancellation = cancellation;
            this.channel = channel;
        }

        public Cancellation cancellation() {
            return cancellation;
        }

        private void probe() {
            var one = ByteBuffer.allocate(1);
            while (true) {
                try {
                    Thread.sleep(PROBE_INTERVAL);
                } catch (InterruptedException e) {
                    return;
                }
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    int read;
                    try {
                        read = channel.read(one);
                    } catch (IOException reset) {
                        read = -1;
                    }
                    if (read != 0) {
                        if (read < 0) {
                            cancellation.cancel();
                        }
                        return;
                    }
                }
            }
        }

        /** Stops probing; no read of the connection happens after this returns. */
        @Override
        public synchronized void close() {
            closed = true;
        }
    }
}
