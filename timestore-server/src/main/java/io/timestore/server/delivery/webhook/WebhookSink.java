package io.timestore.server.delivery.webhook;

import io.timestore.audit.delivery.DeliveryFailed;
import io.timestore.audit.delivery.DeliverySink;
import io.timestore.audit.delivery.SealedEvent;
import io.timestore.audit.delivery.format.EventEncoder;
import io.timestore.server.delivery.SinkEntry;
import java.net.URI;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Delivers a batch as one HTTPS POST following the Standard Webhooks convention: the body is a JSON
 * array of records in the sink's format ({@link EventEncoder#encodeArray}), signed with headers
 * {@code webhook-id} (the partition and the batch's seq range, the same for every attempt of the same
 * batch), {@code webhook-timestamp} (seconds, of this attempt) and {@code webhook-signature}
 * ({@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">}). It also sends {@code timestore-partition},
 * {@code timestore-first-seq} and {@code timestore-last-seq}.
 *
 * <p>One {@link #deliver} call is one attempt (the delivery loop does backoff and jitter): a 2xx
 * acknowledges; 408, 429, 5xx and network errors are retryable failures; any other answer (3xx, the
 * other 4xx) is not retryable, so the loop parks the sink for that partition. Messages name the sink
 * and the host, never the URL's path or query, the secret or a signature. Not thread-safe per the
 * {@link DeliverySink} contract (the client it uses is).
 */
public final class WebhookSink implements DeliverySink, AutoCloseable {
    private final String name;
    private final URI url;
    private final WebhookSecret secret;
    private final EventEncoder encoder;
    private final WebhookClient client;
    private final boolean ownsClient;
    private final InstantSource clock;

    /**
     * @param ownsClient whether {@link #close} stops {@code client} (false when tenant streams share one)
     */
    public WebhookSink(String name, URI url, WebhookSecret secret, EventEncoder encoder, WebhookClient client,
                       boolean ownsClient, InstantSource clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.url = client.policy().checkUrl(url);
        this.secret = Objects.requireNonNull(secret, "secret");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.client = client;
        this.ownsClient = ownsClient;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The factory for {@code type: webhook} entries of {@code audit.delivery.sinks}.
     *
     * @param key the entry's setting key, e.g. {@code audit.delivery.sinks[1]}
     * @throws io.timestore.server.config.InvalidSettings naming the exact setting
     */
    public static WebhookSink fromEntry(Map<String, Object> entry, String key, InstantSource clock) {
        var settings = WebhookSettings.parse(new SinkEntry(key, entry));
        var client = new WebhookClient(settings.policy(), settings.connectTimeout(), settings.readTimeout());
        return new WebhookSink(settings.name(), settings.url(), settings.secret(), settings.encoder(), client, true, clock);
    }

    @Override
    public String name() {
        return name;
    }

    /** Whether the sink's format reads the events' members (OCSF) or sends their stored records. */
    @Override
    public boolean readsMembers() {
        return encoder.readsMembers();
    }

    @Override
    public void deliver(String partition, List<SealedEvent> batch) {
        var first = batch.getFirst().seal().seq();
        var last = batch.getLast().seal().seq();
        var headers = new LinkedHashMap<String, String>();
        headers.put("timestore-partition", partition);
        headers.put("timestore-first-seq", Long.toString(first));
        headers.put("timestore-last-seq", Long.toString(last));
        int status = send("%s.%d-%d".formatted(partition, first, last), encoder.encodeArray(batch), encoder.arrayContentType(),
                headers);
        if (status / 100 != 2) {
            throw refused(status);
        }
    }

    /**
     * Sends one signed POST of {@code body} (e.g. a tenant stream's test delivery) and returns the
     * receiver's status, whatever it is.
     *
     * @throws DeliveryFailed when no answer came (network error, timeout) or the destination was refused
     */
    public int send(String messageId, byte[] body, String contentType, Map<String, String> extraHeaders) {
        long timestamp = clock.instant().getEpochSecond();
        var headers = new LinkedHashMap<String, String>();
        headers.put("webhook-id", messageId);
        headers.put("webhook-timestamp", Long.toString(timestamp));
        headers.put("webhook-signature", secret.sign(messageId, timestamp, body));
        headers.putAll(extraHeaders);
        return client.post(name, url, headers, contentType, body);
    }

    /** The content type of a batch body. */
    public String contentType() {
        return encoder.arrayContentType();
    }

    private DeliveryFailed refused(int status) {
        boolean retryable = status == 408 || status == 429 || status >= 500;
        return new DeliveryFailed("webhook sink %s: %s answered %d%s".formatted(name, OutboundPolicy.host(url), status,
                retryable ? "" : " (not retryable: the endpoint refuses the batch)"), retryable, null);
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "WebhookSink[name=%s, host=%s]".formatted(name, url.getHost());
    }
}
