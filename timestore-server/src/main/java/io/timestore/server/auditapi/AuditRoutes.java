package io.timestore.server.auditapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.redaction.SupportView;
import io.timestore.audit.verify.AuditVerification;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.AuditView;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.db.Transactions;
import io.timestore.server.http.CursorScope;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.Listing;
import io.timestore.server.http.Pages;
import io.timestore.server.http.PathParameters;
import io.timestore.server.http.Permissions;
import io.timestore.server.http.Representations;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import io.timestore.server.problems.NotFound;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
/**
 * The audit API (BR-006): events with filters and keyset pages, one event with its seal and the
 * checkpoint that covers it, exports as NDJSON or CSV, checkpoints with their public keys, and
 * chain verification. Callers see their own tenant only; the {@code support} view masks details,
 * client addresses and user agents and pseudonymises actors; platform operators may name other
 * partitions with {@code tenant} (a list, or {@code *}), and such reads are audited as
 * {@code security} events. An operator needs no X-Tenant-ID here: without it the request acts on
 * the platform and resolves to {@code _platform}. Every read here is itself an audit event
 * (component {@code audit}).
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
    private final AuditPartitions scopes;

    public AuditRoutes(Transactions transactions, Permissions permissions, Cursors cursors, ObjectMapper json,
                       SupportView supportView, AuditVerification verification, CheckpointStore checkpoints) {
        this.transactions = transactions;
        this.permissions = permissions;
        this.cursors = cursors;
        this.json = json;
        this.supportView = supportView;
        this.verification = verification;
        this.checkpoints = checkpoints;
        this.scopes = new AuditPartitions(transactions);
    }

    @Override
    public void register(Routes routes) {
        // A platform operator reads without X-Tenant-ID: its request then resolves to _platform.
        routes.tenantOrPlatform(HandlerType.GET, "/api/audit/v1alpha1/events", LIST, EVENTS_PRODUCE, this::events);
        routes.tenantOrPlatform(HandlerType.GET, "/api/audit/v1alpha1/events/{event_id}", GET, this::event);
        routes.tenantOrPlatform(HandlerType.GET, "/api/audit/v1alpha1/checkpoints", GET, this::checkpoints);
        routes.tenantOrPlatform(HandlerType.GET, "/api/audit/v1alpha1/verify", GET, this::verify);
    }

    private void events(Context ctx, SecurityContext security, RequestAudit audit) throws IOException {
        var view = view(security, LIST.action());
        var selection = scopes.partitions(ctx, security, audit);
        var partitions = selection.names();
        var filter = EventFilter.parse(ctx);
        audit.detail("filters", json.valueToTree(filter.equals())).detail("partitions", String.join(",", partitions));
        var representation = Representations.choose(ctx, EVENTS_PRODUCE);
        if (!representation.equals(Representations.JSON)) {
            export(ctx, audit, partitions, filter, view, representation.equals(NDJSON));
            return;
        }
        int limit = Pages.limit(ctx);
        var scope = filter.boundTo(CursorScope.of(Listing.AUDIT_EVENTS, audit.partition())
                .with("tenant", selection.requested()));
        var after = cursors.after(ctx, scope, position -> new AuditEventStore.Position(position.instant(), position.uuid()));
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
            body.put("next_cursor", cursors.encode(scope, position -> position.instant(last.occurredAt()).uuid(last.eventId())));
        }
        audit.detail("returned", Math.min(limit, page.size()));
        ctx.json(body);
    }

    private void event(Context ctx, SecurityContext security, RequestAudit audit) {
        var view = view(security, GET.action());
        var partitions = scopes.partitions(ctx, security, audit).names();
        var id = PathParameters.uuid(ctx, "event_id", "event_id must be a UUID");
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

    /** Where a checkpoint page continues: after this checkpoint in (seq, key_id, kind) descending order. */
    private record CheckpointKey(long seq, String keyId, String kind) {
        static final Comparator<CheckpointKey> NEWEST_FIRST = Comparator
                .comparingLong(CheckpointKey::seq).thenComparing(CheckpointKey::keyId).thenComparing(CheckpointKey::kind)
                .reversed();

        static CheckpointKey of(CheckpointStore.Stored stored) {
            return new CheckpointKey(stored.checkpoint().seq(), stored.checkpoint().keyId(), stored.kind().label());
        }
    }

    private void checkpoints(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, GET.action());
        var partitions = scopes.partitions(ctx, security, audit).names();
        if (partitions.size() != 1) {
            throw new InvalidRequest("checkpoints are listed for one partition at a time",
                    List.of(FieldError.at("/tenant", "name one tenant id or _platform")));
        }
        var partition = partitions.getFirst();
        int limit = Pages.limit(ctx);
        var scope = CursorScope.of(Listing.CHECKPOINTS, audit.partition()).with("tenant", partition);
        var after = cursors.after(ctx, scope, position -> new CheckpointKey(position.int64(), position.text(), position.text()));
        var body = json.createObjectNode();
        var keys = body.putArray("public_keys");
        checkpoints.publicKeys().forEach((keyId, key) -> keys.addObject().put("key_id", keyId).put("algorithm", "Ed25519")
                .put("public_key", java.util.Base64.getEncoder().encodeToString(key.getEncoded())));
        var page = checkpoints.checkpoints(partition).stream()
                .filter(stored -> after.map(a -> CheckpointKey.NEWEST_FIRST.compare(CheckpointKey.of(stored), a) > 0).orElse(true))
                .sorted(Comparator.comparing(CheckpointKey::of, CheckpointKey.NEWEST_FIRST))
                .limit(limit + 1L)
                .toList();
        var items = body.putArray("items");
        page.stream().limit(limit).forEach(stored -> items.add(stored.checkpoint().toJson().put("kind", stored.kind().label())));
        if (page.size() > limit) {
            var last = CheckpointKey.of(page.get(limit - 1));
            body.put("next_cursor", cursors.encode(scope, position -> position.int64(last.seq()).text(last.keyId()).text(last.kind())));
        }
        audit.detail("returned", Math.min(limit, page.size()));
        ctx.json(body);
    }

    private void verify(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, GET.action());
        var partitions = scopes.partitions(ctx, security, audit).names();
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

    private <T> T read(List<String> partitions, io.timestore.server.db.TenantWork<T> work) {
        return scopes.read(partitions, work);
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
