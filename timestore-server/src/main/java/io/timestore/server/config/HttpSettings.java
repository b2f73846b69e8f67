package io.timestore.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The HTTP listener.
 *
 * @param host                    interface to bind, e.g. {@code 127.0.0.1}
 * @param port                    TCP port; 0 picks a free one (the chosen port is logged and printed)
 * @param shutdownTimeout         how long in-flight requests may run on after a stop signal
 * @param maxRequestBytes         largest request body read (as sent); larger is 413 {@code payload_too_large}
 * @param headerTimeout           how long a request head (request line and headers) may take to
 *                                arrive, from its first byte; a slower one has its connection closed
 * @param idleTimeout             how long a connection may see no bytes in either direction before
 *                                it is closed (an idle keep-alive connection, a stalled body)
 * @param maxConnectionsPerSource most connections open at once from one client address; more are
 *                                closed as soon as they are accepted
 * @param tls                     TLS on the listener; off means plain HTTP (local development only)
 * @param trustedProxies          {@code server.trusted-proxies}: addresses or CIDR blocks of reverse
 *                                proxies whose {@code X-Forwarded-For} names the client; empty (the
 *                                default) means the client is always the connection's peer
 * @param cors                    CORS: the browser origins allowed to call the API (off by default)
 */
public record HttpSettings(String host, int port, Duration shutdownTimeout, long maxRequestBytes,
                           Duration headerTimeout, Duration idleTimeout, int maxConnectionsPerSource, TlsSettings tls,
                           java.util.List<String> trustedProxies, CorsSettings cors) {
    public HttpSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(tls, "tls");
        trustedProxies = java.util.List.copyOf(trustedProxies);
        Objects.requireNonNull(cors, "cors");
        if (maxConnectionsPerSource < 1) {
            throw new IllegalArgumentException("maxConnectionsPerSource must be at least 1, found " + maxConnectionsPerSource);
        }
    }

    public HttpSettings withShutdownTimeout(Duration replacement) {
        return new HttpSettings(host, port, replacement, maxRequestBytes, headerTimeout, idleTimeout, maxConnectionsPerSource, tls, trustedProxies, cors);
    }

    public HttpSettings withTimeouts(Duration header, Duration idle) {
        return new HttpSettings(host, port, shutdownTimeout, maxRequestBytes, header, idle, maxConnectionsPerSource, tls, trustedProxies, cors);
    }

    public HttpSettings withMaxConnectionsPerSource(int replacement) {
        return new HttpSettings(host, port, shutdownTimeout, maxRequestBytes, headerTimeout, idleTimeout, replacement, tls, trustedProxies, cors);
    }

    public HttpSettings withTls(TlsSettings replacement) {
        return new HttpSettings(host, port, shutdownTimeout, maxRequestBytes, headerTimeout, idleTimeout, maxConnectionsPerSource,
                replacement, trustedProxies, cors);
    }

    public HttpSettings withTrustedProxies(java.util.List<String> replacement) {
        return new HttpSettings(host, port, shutdownTimeout, maxRequestBytes, headerTimeout, idleTimeout, maxConnectionsPerSource,
                tls, replacement, cors);
    }

    public HttpSettings withCors(CorsSettings replacement) {
        return new HttpSettings(host, port, shutdownTimeout, maxRequestBytes, headerTimeout, idleTimeout, maxConnectionsPerSource, tls,
                trustedProxies, replacement);
    }
}
