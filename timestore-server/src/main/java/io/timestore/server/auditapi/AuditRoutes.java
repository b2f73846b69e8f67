package io.timestore.server.auditapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditVerification;
import io.timestore.audit.CheckpointStore;
import io.timestore.audit.Severity;
import io.timestore.audit.SupportView;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.AuditView;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.Forbidden;
import io.timestore.server.http.InvalidRequest;
import io.timestore.server.http.NotFound;
import io.timestore.server.http.Pages;
import io.timestore.server.http.Permissions;
import io.timestore.server.http.Representations;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The audit API (BR-006): events with filters and keyset pages, one event with its seal and the
 * checkpoint that covers it, exports as NDJSON or CSV, checkpoints with their public keys, and
 * chain verification. Callers see their own tenant only; the {@code support} view masks details,
 * client addresses and user agents and pseudonymises actors; platform operators may name other
 * partitions with {@code tenant} (a list, or {@code *}), and such reads are audited as
 * {@code security} events. Every read here is itself an audit event (component {@code audit}).
 */
public final class AuditRoutes implements RouteGroup {
    private static final ApiOperation LIST = ApiOperation.read("audit:list", "audit", "audit_event");
    private static final ApiOperation GET = ApiOperation.read("audit:get", "audit", "audit_event");
    private static final String NDJSON = Representations.NDJSON;
    private static final String CSV = Representations.CSV;
    private static final List<String> EVENTS_PRODUCE = List.of(Representations.JSON, NDJSON, CSV);

    private final Transactions transactions;
    private final Permissions permissions;
    private final Cursors cursors;
    private final ObjectMapper json;
    private final StoredEvents rendering = new StoredEvents();
    private final SupportView supportView;
    private final AuditVerification verification;
    private final CheckpointStore checkpoints;
    private final AuditEventStore store = new AuditEventStore();

    public AuditRoutes(Transactions transactions, Permissions permissions, Cursors cursors, ObjectMapper json,
                       SupportView supportView, AuditVerification verification, CheckpointStore checkpoints) {
        this.transactions = transactions;
        this.permissions = permissions;
        this.cursors = cursors;
        this.json = json;
        this.supportView = supportView;
        this.verification = verification;
        this.checkpoints = checkpoints;
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.GET, "/api/audit/v1alpha1/events", LIST, EVENTS_PRODUCE, this::events);
        routes.api(HandlerType.GET, "/api/audit/v1alpha1/events/{event_id}", GET, this::event);
        routes.api(HandlerType.GET, "/api/audit/v1alpha1/checkpoints", GET, this::checkpoints);
        routes.api(HandlerType.GET, "/api/audit/v1alpha1/verify", GET, this::verify);
    }

    private void events(Context ctx, SecurityContext security, RequestAudit audit) throws IOException {
        var view = view(security, LIST.action());
        var partitions = partitions(ctx, security, audit);
        var filter = EventFilter.parse(ctx);
        audit.detail("filters", json.valueToTree(filter.equals())).detail("partitions", String.join(",", partitions));
        var representation = Representations.choose(ctx, EVENTS_PRODUCE);
        if (!representation.equals(Representations.JSON)) {
            export(ctx, audit, partitions, filter, view, representation.equals(NDJSON));
            return;
        }
        int limit = Pages.limit(ctx);
        var scope = "audit-events:" + String.join(",", partitions) + ":" + filter;
        var after = Pages.cursor(ctx).map(c -> cursors.decode(scope, c))
                .map(p -> new AuditEventStore.Position(Instant.parse(p.get(0)), UUID.fromString(p.get(1))));
        var page = read(partitions, connection -> store.page(connection, partitions, filter, after, limit + 1));
        var items = json.createArrayNode();
        page.stream().limit(limit).forEach(row -> {
            if (view == AuditView.REDACTED) {
                items.add(rendering.viewed(row, supportView::view));
            } else {
                items.addRawValue(new com.fasterxml.jackson.databind.util.RawValue(rendering.fullText(row)));
            }
        });
        var body = json.createObjectNode();
        body.set("items", items);
        if (page.size() > limit) {
            var last = page.get(limit - 1);
            body.put("next_cursor", cursors.encode(scope, List.of(last.occurredAt().toString(), last.eventId().toString())));
        }
        audit.detail("returned", Math.min(limit, page.size()));
        ctx.json(body);
    }

    private void event(Context ctx, SecurityContext security, RequestAudit audit) {
        var view = view(security, GET.action());
        var partitions = partitions(ctx, security, audit);
        UUID id;
        try {
            id = UUID.fromString(ctx.pathParam("event_id"));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest("event_id must be a UUID");
        }
        audit.resource(id.toString());
        var found = read(partitions, connection -> store.find(connection, partitions, id).map(row -> {
            var rendered = render(row, view);
            row.seal().ifPresent(seal -> {
                try {
                    store.checkpointAfter(connection, row.tenantId(), seal.seq())
                            .ifPresent(text -> rendered.set("checkpoint", readTree(text)));
                } catch (java.sql.SQLException e) {
                    throw new io.timestore.server.db.DatabaseFailure(e);
                }
            });
            return rendered;
        })).orElseThrow(() -> new NotFound("no audit event " + id + " visible to this caller"));
        ctx.json(found);
    }

    private void checkpoints(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, GET.action());
        var partition = security.tenant().value();
        var body = json.createObjectNode();
        var keys = body.putArray("public_keys");
        checkpoints.publicKeys().forEach((keyId, key) -> keys.addObject().put("key_id", keyId).put("algorithm", "Ed25519")
                .put("public_key", java.util.Base64.getEncoder().encodeToString(key.getEncoded())));
        var items = body.putArray("items");
        var stored = checkpoints.checkpoints(partition);
        for (int i = stored.size() - 1; i >= 0 && items.size() < Pages.limit(ctx); i--) {
            var item = stored.get(i).checkpoint().toJson();
            item.put("kind", stored.get(i).kind().label());
            items.add(item);
        }
        ctx.json(body);
    }

    private void verify(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, GET.action());
        var partitions = partitions(ctx, security, audit);
        var report = verification.verify(partitions);
        var body = json.createObjectNode().put("ok", report.ok());
        var tenants = body.putArray("tenants");
        report.partitions().forEach(result -> tenants.add(result.toJson()));
        audit.detail("ok", Boolean.toString(report.ok())).detail("events_checked", report.eventsChecked());
        ctx.json(body);
    }

    private AuditView view(SecurityContext security, String action) {
        return permissions.require(security, action).auditView().orElse(AuditView.REDACTED);
    }

    /**
     * The partitions this request reads: the caller's tenant, or for a platform operator the
     * tenants it names ({@code tenant=a&tenant=b}, {@code tenant=a,b}, or {@code *} for all).
     */
    private List<String> partitions(Context ctx, SecurityContext security, RequestAudit audit) {
        var named = new ArrayList<String>();
        ctx.queryParams("tenant").forEach(value -> {
            for (var part : value.split(",")) {
                if (!part.isBlank()) {
                    named.add(part.strip());
                }
            }
        });
        if (named.isEmpty() || (named.size() == 1 && named.getFirst().equals(security.tenant().value()))) {
            return List.of(security.tenant().value());
        }
        if (!security.principal().hasRole(Principal.PLATFORM_OPERATOR_ROLE)
                || security.principal().authMethod() != io.timestore.security.AuthMethod.JWT) {
            throw new Forbidden("only platform operators read other tenants' audit events",
                    Optional.of(Principal.PLATFORM_OPERATOR_ROLE), Optional.empty());
        }
        audit.atLeast(Severity.SECURITY);
        if (named.contains("*")) {
            return transactions.asPlatform(connection -> {
                var all = new ArrayList<String>();
                try (var rows = connection.createStatement().executeQuery("SELECT DISTINCT tenant_id FROM audit_events ORDER BY 1")) {
                    while (rows.next()) {
                        all.add(rows.getString(1));
                    }
                }
                return all;
            });
        }
        for (var partition : named) {
            if (!partition.equals(AuditEvent.PLATFORM_PARTITION) && io.timestore.security.TenantId.parse(partition).isEmpty()) {
                throw new InvalidRequest("tenant must list tenant ids, _platform or *");
            }
        }
        return named.stream().distinct().sorted().toList();
    }

    private <T> T read(List<String> partitions, io.timestore.server.db.TenantWork<T> work) {
        if (partitions.size() == 1 && !partitions.getFirst().equals(AuditEvent.PLATFORM_PARTITION)) {
            return transactions.inTenant(new io.timestore.security.TenantId(partitions.getFirst()), work);
        }
        return transactions.asPlatform(work);
    }

    private ObjectNode render(AuditEventStore.Row row, AuditView view) {
        return view == AuditView.REDACTED ? rendering.viewed(row, supportView::view) : rendering.full(row);
    }

    private void export(Context ctx, RequestAudit audit, List<String> partitions, EventFilter filter, AuditView view,
                        boolean ndjson) throws IOException {
        audit.detail("export", ndjson ? "ndjson" : "csv");
        audit.commitNow(200);
        ctx.status(200).contentType(ndjson ? NDJSON : CSV + "; charset=utf-8");
        var out = new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8);
        new AuditExport(transactions).export(partitions, filter,
                ndjson ? AuditExport.Format.NDJSON : AuditExport.Format.CSV,
                view == AuditView.REDACTED ? Optional.of(supportView::view) : Optional.empty(), out);
    }

    private com.fasterxml.jackson.databind.JsonNode readTree(String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
