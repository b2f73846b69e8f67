package io.timestore.server.delivery.webhook;

import io.timestore.audit.delivery.format.EventEncoder;
import io.timestore.audit.delivery.format.EventEncoders;
import io.timestore.audit.delivery.format.EventEncoders.Format;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.delivery.SinkEntry;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * A webhook sink from configuration ({@code type: webhook}, docs/configuration.md):
 *
 * <pre>
 * - name: siem
 *   type: webhook
 *   url: https://siem.example.com/timestore
 *   secret: whsec_...            # Standard Webhooks secret, 24-64 bytes base64
 *   format: ocsf                 # timestore (default) | ocsf
 *   cloudevents: true            # default false
 *   cloudevents-source: urn:x    # default urn:timestore:audit
 *   allowed-hosts: [siem.example.com, "*.example.net"]   # default: any host
 *   allow-http: false            # default false
 *   allow-private-addresses: false  # default false
 *   connect-timeout: 5s          # default 5s
 *   read-timeout: 10s            # default 10s
 * </pre>
 *
 * {@link #toString()} masks the secret.
 */
public record WebhookSettings(String name, URI url, WebhookSecret secret, EventEncoder encoder, OutboundPolicy policy,
                              Duration connectTimeout, Duration readTimeout) {
    static final Set<String> KEYS = Set.of("name", "type", "url", "secret", "format", "cloudevents", "cloudevents-source",
            "allowed-hosts", "allow-http", "allow-private-addresses", "connect-timeout", "read-timeout");
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);

    public WebhookSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
    }

    /**
     * Parses and checks one sink entry.
     *
     * @throws InvalidSettings naming the exact setting, e.g. {@code audit.delivery.sinks[1].secret: missing}
     */
    public static WebhookSettings parse(SinkEntry entry) {
        entry.allowOnly(KEYS);
        var name = entry.string("name");
        var encoder = encoder(entry);
        OutboundPolicy policy;
        try {
            policy = new OutboundPolicy(entry.strings("allowed-hosts"), entry.bool("allow-http", false),
                    entry.bool("allow-private-addresses", false));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings(entry.keyOf("allowed-hosts"), e.getMessage());
        }
        var url = url(entry, policy);
        WebhookSecret secret;
        try {
            secret = WebhookSecret.parse(entry.secret("secret").reveal().orElseThrow());
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings(entry.keyOf("secret"), e.getMessage());
        }
        var connect = entry.duration("connect-timeout", DEFAULT_CONNECT_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(1));
        var read = entry.duration("read-timeout", DEFAULT_READ_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(5));
        return new WebhookSettings(name, url, secret, encoder, policy, connect, read);
    }

    /** The {@code format}, {@code cloudevents} and {@code cloudevents-source} settings of any sink type. */
    public static EventEncoder encoder(SinkEntry entry) {
        Format format;
        try {
            format = Format.fromLabel(entry.optionalString("format").orElse("timestore"));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings(entry.keyOf("format"), e.getMessage());
        }
        var source = entry.optionalString("cloudevents-source").orElse(EventEncoders.DEFAULT_SOURCE);
        try {
            return EventEncoders.create(format, entry.bool("cloudevents", false), source);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings(entry.keyOf("cloudevents-source"), e.getMessage());
        }
    }

    private static URI url(SinkEntry entry, OutboundPolicy policy) {
        var text = entry.string("url");
        try {
            return policy.checkUrl(new URI(text));
        } catch (URISyntaxException e) {
            throw new InvalidSettings(entry.keyOf("url"), "not a URL (%s)".formatted(e.getReason()));
        } catch (RefusedDestination e) {
            throw new InvalidSettings(entry.keyOf("url"), e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "WebhookSettings[name=%s, host=%s, secret=****, format=%s]".formatted(name, url.getHost(), encoder.label());
    }
}
