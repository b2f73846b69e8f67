package io.timestore.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The HTTP listener.
 *
 * @param host            interface to bind, e.g. {@code 127.0.0.1}
 * @param port            TCP port; 0 picks a free one (the chosen port is logged and printed)
 * @param shutdownTimeout how long in-flight requests may run on after a stop signal
 * @param maxRequestBytes largest request body read (as sent); larger is 413 {@code payload_too_large}
 */
public record HttpSettings(String host, int port, Duration shutdownTimeout, long maxRequestBytes) {
    public HttpSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    }
}
