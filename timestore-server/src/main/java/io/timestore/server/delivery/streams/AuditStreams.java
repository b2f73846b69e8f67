package io.timestore.server.delivery.streams;

import io.timestore.server.db.Transactions;
import io.timestore.server.delivery.webhook.OutboundPolicy;
import io.timestore.server.delivery.webhook.WebhookClient;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.Permissions;
import io.timestore.server.secrets.MasterKeyRing;
import io.timestore.server.secrets.SecretBox;
import io.timestore.server.secrets.SecretTable;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;

/**
 * The tenant streams feature as the composition root wires it: the API routes, the targets the
 * delivery loop feeds, and the one HTTP client (under the tenant-stream {@link OutboundPolicy}) they
 * share. {@link #close} stops the client.
 */
public record AuditStreams(AuditStreamRoutes routes, TenantStreamTargets targets, WebhookClient client) implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    /**
     * @param masterKeys    the master keys the stream secrets' key derives from ({@code audit-stream-encryption})
     * @param policy        where tenants' endpoints may point (docs/configuration.md, {@code audit.tenant-streams.*})
     */
    public static AuditStreams create(Transactions transactions, Permissions permissions, JsonBodies bodies, java.util.function.Supplier<MasterKeyRing> masterKeys,
                                      SecureRandom random, InstantSource clock, OutboundPolicy policy) {
        var client = new WebhookClient(policy, CONNECT_TIMEOUT, READ_TIMEOUT);
        var store = new AuditStreamStore(new SecretBox(masterKeys, SecretTable.AUDIT_STREAMS, random));
        var service = new AuditStreamService(transactions, store, permissions, client, random, clock);
        return new AuditStreams(new AuditStreamRoutes(service, bodies, policy), new TenantStreamTargets(transactions, store, client, clock),
                client);
    }

    /**
     * The sink names of every stream {@code partition}'s tenant has registered, active or paused,
     * read on the platform path: each holds retention back until it has delivered
     * (docs/audit-delivery.md, "Retention and sinks"). Empty for {@code _platform}.
     */
    public static List<String> sinkNames(Transactions transactions, String partition) {
        return transactions.asPlatform(connection -> AuditStreamStore.sinkNames(connection, partition));
    }

    @Override
    public void close() {
        client.close();
    }
}
