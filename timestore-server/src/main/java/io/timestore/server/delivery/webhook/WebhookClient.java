package io.timestore.server.delivery.webhook;

import io.timestore.audit.delivery.DeliveryFailed;
import io.timestore.server.config.Durations;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * HTTP POST for webhook sinks, under one {@link OutboundPolicy}. Built on Jetty's client because it
 * lets us choose the addresses a connection is made to: the resolver below resolves the host, checks
 * every address against the policy, and hands Jetty only those, so the address connected to is the
 * address checked (no DNS rebinding between check and connect). Redirects are not followed (a 3xx is
 * the receiver's answer, not a new destination). Thread-safe; {@link #close} stops it.
 */
public final class WebhookClient implements AutoCloseable {
    private final HttpClient http;
    private final OutboundPolicy policy;
    private final Duration readTimeout;
    private final Duration totalTimeout;

    public WebhookClient(OutboundPolicy policy, Duration connectTimeout, Duration readTimeout) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.readTimeout = readTimeout;
        this.totalTimeout = connectTimeout.plus(readTimeout).plus(readTimeout);
        var threads = new QueuedThreadPool(16, 1);
        threads.setName("webhook-client");
        threads.setDaemon(true);
        http = new HttpClient();
        http.setExecutor(threads);
        http.setConnectTimeout(connectTimeout.toMillis());
        http.setIdleTimeout(readTimeout.toMillis());
        http.setFollowRedirects(false);
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "timestore-audit-delivery"));
        http.setSocketAddressResolver((host, port, context, promise) -> {
            try {
                promise.succeeded(policy.resolve(host).stream().map(a -> new InetSocketAddress(a, port)).toList());
            } catch (UnknownHostException | RefusedDestination e) {
                promise.failed(e);
            }
        });
        try {
            http.start();
            // No redirect, authentication or 100-continue handling (start() installs them): every
            // status is the receiver's answer.
            http.getProtocolHandlers().clear();
        } catch (Exception e) {
            throw new IllegalStateException("the webhook HTTP client did not start", e);
        }
    }

    public OutboundPolicy policy() {
        return policy;
    }

    /**
     * Sends one POST and returns the receiver's status. One call is one attempt: no retry here.
     *
     * @param sink     the sink's name, for messages
     * @throws DeliveryFailed retryable when the receiver could not be reached or did not answer in
     *                        time; not retryable when the destination is refused by the policy
     */
    int post(String sink, URI url, Map<String, String> headers, String contentType, byte[] body) {
        var host = OutboundPolicy.host(url);
        var request = http.newRequest(url).method("POST")
                .idleTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .timeout(totalTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .headers(h -> headers.forEach(h::put))
                .body(new BytesRequestContent(contentType, body));
        try {
            return request.send().getStatus();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryFailed("webhook sink %s: interrupted while sending to %s".formatted(sink, host), true, null);
        } catch (TimeoutException e) {
            throw new DeliveryFailed("webhook sink %s: %s did not answer in time (read timeout %s)".formatted(sink, host,
                    Durations.format(readTimeout)), true, null);
        } catch (ExecutionException e) {
            var cause = e.getCause();
            if (cause instanceof HttpResponseException answered) {
                return answered.getResponse().getStatus();
            }
            if (cause instanceof RefusedDestination refused) {
                throw new DeliveryFailed("webhook sink %s: destination refused: %s".formatted(sink, refused.getMessage()), false, null);
            }
            // The cause's message names only the host and the network error; the URL's path and query stay out.
            throw new DeliveryFailed("webhook sink %s: could not reach %s (%s)".formatted(sink, host, describe(cause, url)), true, null);
        }
    }

    /** The error's type and message, the message left out when it might quote the URL's path or query. */
    private static String describe(Throwable cause, URI url) {
        if (cause == null) {
            return "unknown error";
        }
        var name = cause.getClass().getSimpleName();
        var message = cause.getMessage();
        var path = url.getRawPath() == null ? "" : url.getRawPath();
        boolean mayQuote = message == null || message.contains("?") || (path.length() > 1 && message.contains(path));
        return mayQuote ? name : name + ": " + message;
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the webhook HTTP client did not stop", e);
        }
    }
}
