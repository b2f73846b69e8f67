package io.timestore.server.delivery.streams;

import io.timestore.audit.delivery.DeliveryFailed;
import io.timestore.audit.delivery.format.EventEncoders;
import io.timestore.audit.delivery.format.EventEncoders.Format;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.AuditView;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.db.Transactions;
import io.timestore.server.delivery.webhook.WebhookClient;
import io.timestore.server.delivery.webhook.WebhookSecret;
import io.timestore.server.delivery.webhook.WebhookSink;
import io.timestore.server.http.Permissions;
import io.timestore.server.problems.Conflict;
import io.timestore.server.problems.Forbidden;
import io.timestore.server.problems.NotFound;
import io.timestore.server.problems.ProblemType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * A tenant's own audit streams: webhook endpoints that receive the tenant's sealed events. The
 * secret is generated here, returned once and stored encrypted. A caller needs {@code token:manage}
 * (it creates a credential) and the full view of {@code audit:list} (a stream delivers the whole,
 * unredacted trail); docs/authorization.md. Every change commits its audit event with it.
 */
public final class AuditStreamService {
    /** Streams one tenant may hold: each is an outbound connection the delivery loop keeps feeding. */
    static final int MAX_STREAMS_PER_TENANT = 25;

    private final Transactions transactions;
    private final AuditStreamStore store;
    private final Permissions permissions;
    private final WebhookClient client;
    private final SecureRandom random;
    private final InstantSource clock;

    AuditStreamService(Transactions transactions, AuditStreamStore store, Permissions permissions, WebhookClient client,
                       SecureRandom random, InstantSource clock) {
        this.transactions = transactions;
        this.store = store;
        this.permissions = permissions;
        this.client = client;
        this.random = random;
        this.clock = clock;
    }

    record NewStream(String name, URI url, Format format, boolean cloudEvents) {}

    /** A created stream; {@code secret} ({@code whsec_...}) is shown this once. */
    record Created(AuditStream stream, String secret) {
        @Override
        public String toString() {
            return "Created[stream=%s, secret=****]".formatted(stream.id());
        }
    }

    /** What the receiver answered to a test delivery: its status, or why there was none. */
    record TestResult(boolean delivered, Optional<Integer> status, Optional<String> error) {}

    /** @throws Forbidden unless the caller holds token:manage and the full view of audit:list */
    void authorize(SecurityContext security) {
        permissions.require(security, "token:manage");
        var view = permissions.require(security, "audit:list").auditView();
        if (view.isPresent() && view.get() != AuditView.FULL) {
            throw new Forbidden("an audit stream delivers the full, unredacted audit trail: the caller's audit view is redacted",
                    Optional.empty(), Optional.empty());
        }
    }

    Created create(SecurityContext security, RequestAudit audit, NewStream request, Function<Created, Reply> reply) {
        audit.detail("name", request.name()).detail("host", request.url().getHost())
                .detail("format", request.format().label()).detail("cloudevents", Boolean.toString(request.cloudEvents()));
        authorize(security);
        var idBytes = new byte[12];
        random.nextBytes(idBytes);
        var id = "as_" + HexFormat.of().formatHex(idBytes);
        var secret = WebhookSecret.generate(random);
        audit.resource(id);
        var tenant = security.tenant();
        return transactions.inTenant(tenant, connection -> {
            if (store.count(connection, tenant) >= MAX_STREAMS_PER_TENANT) {
                throw new Conflict(ProblemType.CONFLICT, "a tenant may register at most %d audit streams; delete one first"
                        .formatted(MAX_STREAMS_PER_TENANT));
            }
            var createdBy = security.principal().subject();
            var createdAt = store.insert(connection, tenant, id, request.name(), request.url(), request.format(),
                    request.cloudEvents(), secret, createdBy);
            var created = new Created(new AuditStream(tenant.value(), id, request.name(), request.url(), request.format(),
                    request.cloudEvents(), Optional.empty(), createdAt, createdBy), secret.reveal());
            audit.commit(connection, reply.apply(created));
            return created;
        });
    }

    List<AuditStream> list(SecurityContext security) {
        authorize(security);
        return transactions.inTenant(security.tenant(), connection -> store.list(connection, security.tenant()));
    }

    /** Pauses ({@code pause}) or resumes the stream and returns it as it now is. */
    AuditStream setPaused(SecurityContext security, RequestAudit audit, String id, boolean pause,
                          Function<AuditStream, Reply> reply) {
        audit.resource(id);
        authorize(security);
        var tenant = security.tenant();
        return transactions.inTenant(tenant, connection -> {
            boolean found = pause ? store.pause(connection, tenant, id) : store.resume(connection, tenant, id);
            if (!found) {
                throw notFound(id);
            }
            var stream = store.find(connection, tenant, id).orElseThrow().stream();
            audit.commit(connection, reply.apply(stream));
            return stream;
        });
    }

    void delete(SecurityContext security, RequestAudit audit, String id) {
        audit.resource(id);
        authorize(security);
        var tenant = security.tenant();
        transactions.inTenant(tenant, connection -> {
            if (!store.delete(connection, tenant, id)) {
                throw notFound(id);
            }
            audit.commit(connection, 204);
            return null;
        });
    }

    /**
     * Sends one signed test batch to the stream's endpoint, synchronously: an empty JSON array with
     * header {@code timestore-test: true} (no event, so nothing fake reaches the receiver's store).
     */
    TestResult test(SecurityContext security, RequestAudit audit, String id) {
        audit.resource(id);
        authorize(security);
        var tenant = security.tenant();
        var keyed = transactions.inTenant(tenant, connection -> store.find(connection, tenant, id)).orElseThrow(() -> notFound(id));
        var stream = keyed.stream();
        var sink = new WebhookSink(stream.sinkName(), stream.url(), keyed.secret(),
                EventEncoders.create(stream.format(), stream.cloudEvents(), EventEncoders.DEFAULT_SOURCE), client, false, clock);
        try {
            int status = sink.send("test_" + UUID.randomUUID(), "[]".getBytes(StandardCharsets.UTF_8), sink.contentType(),
                    Map.of("timestore-test", "true", "timestore-partition", tenant.value()));
            audit.detail("receiver_status", status);
            return new TestResult(status / 100 == 2, Optional.of(status), Optional.empty());
        } catch (DeliveryFailed e) {
            audit.detail("receiver_error", e.getMessage());
            return new TestResult(false, Optional.empty(), Optional.of(e.getMessage()));
        }
    }

    private static NotFound notFound(String id) {
        return new NotFound("no audit stream %s in this tenant".formatted(id));
    }
}
