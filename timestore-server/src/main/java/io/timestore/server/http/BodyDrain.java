package io.timestore.server.http;

import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Lets a client read the answer to a request whose body was not read to its end: a 413 for a body
 * over the limit, a 401 or 404 answered before the body mattered.
 *
 * <p>Left alone, Jetty marks such a connection for closing and closes it as soon as more body
 * bytes arrive. A client that sends its whole body before it reads (most simple HTTP clients do)
 * is still writing then; its write fails with a reset ("broken pipe") and it never reads the
 * response, which already sits in its socket. Here the response goes out first (with
 * {@code Connection: close}), then the rest of the body is read and thrown away, and only then
 * is the request completed and the connection closed: a lingering close, as nginx and Apache do.
 *
 * <p>The drain is bounded: at most {@link #MAX_TIME} and {@link #MAX_BYTES}, and it ends when no
 * byte arrives for the idle timeout. A client that asked for {@code 100-continue} and was never
 * invited to send its body has sent none: nothing is drained for it.
 */
final class BodyDrain extends Handler.Wrapper {
    /** Longest a drain may run after the response was sent. */
    static final Duration MAX_TIME = Duration.ofSeconds(30);
    /** Most bytes thrown away for one request. */
    static final long MAX_BYTES = 128L * 1024 * 1024;

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        var watched = new WatchedRequest(request, response);
        return super.handle(watched, response,
                Callback.from(callback.getInvocationType(), () -> afterResponse(watched, callback), callback::failed));
    }

    private void afterResponse(WatchedRequest request, Callback callback) {
        if (request.neverInvitedBody()) {
            callback.succeeded();
            return;
        }
        // Usually the body was read to its end (or there is none): one read says so.
        var first = request.getWrapped().read();
        long discarded = 0;
        if (first != null) {
            discarded = first.remaining();
            first.release();
            if (first.isLast() || Content.Chunk.isFailure(first)) {
                callback.succeeded();
                return;
            }
        }
        // Body bytes remain: throw them away on another thread, never on the one completing the response.
        request.getComponents().getExecutor().execute(new Drain(request.getWrapped(), callback, discarded));
    }

    /** Reads and discards what is left of one request's body, then completes it. */
    private final class Drain implements Runnable {
        private final Request request;
        private final Callback callback;
        private final long deadline = System.nanoTime() + MAX_TIME.toNanos();
        private long discarded;

        Drain(Request request, Callback callback, long discarded) {
            this.request = request;
            this.callback = callback;
            this.discarded = discarded;
        }

        @Override
        public void run() {
            while (true) {
                var chunk = request.read();
                if (chunk == null) {
                    // Nothing buffered: wait for more bytes (the idle timeout ends a stalled client).
                    request.demand(this);
                    return;
                }
                discarded += chunk.remaining();
                chunk.release();
                // Whatever ends the drain, the response is out: completing lets Jetty close the
                // connection, cleanly once the body was read to its end.
                if (chunk.isLast() || Content.Chunk.isFailure(chunk) || discarded > MAX_BYTES
                        || System.nanoTime() - deadline > 0 || isStopping() || getServer().isStopping()) {
                    callback.succeeded();
                    return;
                }
            }
        }
    }

    /**
     * The request as the application sees it. Before completing, Jetty's servlet layer "consumes
     * what is available" of an unread body, which leaves the rest unreadable and closes the
     * connection at the next byte. This reads only what is already there; when more remains, it
     * marks the response {@code Connection: close} and leaves the remainder to the drain.
     */
    private static final class WatchedRequest extends Request.Wrapper {
        private final Response response;
        private volatile boolean read;

        WatchedRequest(Request wrapped, Response response) {
            super(wrapped);
            this.response = response;
        }

        @Override
        public Content.Chunk read() {
            read = true;
            return super.read();
        }

        @Override
        public boolean consumeAvailable() {
            for (int reads = 0; reads < 16; reads++) {
                var chunk = super.read();
                if (chunk == null) {
                    break;
                }
                chunk.release();
                if (chunk.isLast() && !Content.Chunk.isFailure(chunk)) {
                    return true;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    break;
                }
            }
            if (!response.isCommitted()) {
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            }
            return false;
        }

        /** A 100-continue request whose body nobody asked for: its client sends no body. */
        boolean neverInvitedBody() {
            return !read && getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString());
        }
    }
}
