package io.timestore.server.delivery.webhook;

/**
 * An outbound URL or the address it resolves to is not allowed by the {@link OutboundPolicy}. The
 * message names the rule and the host, never the URL's path or query (they may carry credentials).
 */
public final class RefusedDestination extends RuntimeException {
    public RefusedDestination(String message) {
        super(message);
    }
}
