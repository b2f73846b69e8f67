package io.timestore.server.delivery.streams;

import io.timestore.server.db.Transactions;
import io.timestore.server.delivery.webhook.OutboundPolicy;
import io.timestore.server.delivery.webhook.WebhookClient;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.Permissions;
import io.timestore.server.signingkeys.SecretBox;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;

/**
 * The tenant streams feature as the composition root wires it: the API routes, the targets the
 * delivery loop feeds, and the one HTTP client (under the tenant-stream {@link OutboundPolicy}) they
 * share. {@link #close} stops the client.
 */
public record AuditStreams(AuditStreamRoutes routes, TenantStreamTargets targets, WebhookClient client) implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    /**
     * @param encryptionKey 32 bytes derived from the master key ({@code audit-stream-encryption})
     * @param policy        where tenants' endpoints may point (docs/configuration.md, {@code audit.tenant-streams.*})
     */
    public static AuditStreams create(Transactions transactions, Permissions permissions, JsonBodies bodies, byte[] encryptionKey,
                                      SecureRandom random, InstantSource clock, OutboundPolicy policy) {
        var client = new WebhookClient(policy, CONNECT_TIMEOUT, READ_TIMEOUT);
        var store = new AuditStreamStore(new SecretBox(encryptionKey, random));
        var service = new AuditStreamService(transactions, store, permissions, client, random, clock);
        return new AuditStreams(new AuditStreamRoutes(service, bodies, policy), new TenantStreamTargets(transactions, store, client, clock),
                client);
    }

    @Override
    public void close() {
        client.close();
    }
}
