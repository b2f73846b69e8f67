package io.timestore.server.tenants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.audit.AuditEvent;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.http.CursorPosition;
import io.timestore.server.http.CursorScope;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.Listing;
import io.timestore.server.http.Pages;
import io.timestore.server.http.PathParameters;
import io.timestore.server.http.Permissions;
import io.timestore.server.http.Replies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** {@code /admin/v1/tenants}: platform operators create, list, read and change tenants ({@code tenant:admin}). */
public final class TenantRoutes implements RouteGroup {
    private static final ApiOperation CREATE = ApiOperation.mutation("tenant:admin", "tenants", "tenant");
    private static final ApiOperation READ = ApiOperation.read("tenant:admin", "tenants", "tenant");
    private static final ApiOperation CHANGE = ApiOperation.mutation("tenant:admin", "tenants", "tenant");

    private final TenantService service;
    private final Permissions permissions;
    private final JsonBodies bodies;
    private final Cursors cursors;

    public TenantRoutes(TenantService service, Permissions permissions, JsonBodies bodies, Cursors cursors) {
        this.service = service;
        this.permissions = permissions;
        this.bodies = bodies;
        this.cursors = cursors;
    }

    @Override
    public void register(Routes routes) {
        routes.platform(HandlerType.POST, "/admin/v1/tenants", CREATE, this::create);
        routes.platform(HandlerType.GET, "/admin/v1/tenants", READ, this::list);
        routes.platform(HandlerType.GET, "/admin/v1/tenants/{tenant}", READ, this::get);
        routes.platform(HandlerType.PATCH, "/admin/v1/tenants/{tenant}", CHANGE, this::change);
    }

    private void create(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, CREATE.action());
        var body = bodies.object(ctx);
        var errors = new ArrayList<FieldError>();
        unknownMembers(body, Set.of("id", "name", "audit_retention_days"), errors);
        var id = TenantId.parse(body.path("id").asText(null));
        if (id.isEmpty()) {
            errors.add(FieldError.at("/id", "must match ^[a-z0-9][a-z0-9-]{1,62}$"));
        }
        var name = name(body, errors, true);
        var retention = retention(body, errors);
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the tenant is invalid", errors);
        }
        var tenant = service.create(security, audit, id.get(), name.orElseThrow(), retention.orElse(OptionalInt.empty()),
                this::created);
        Replies.send(ctx, created(tenant));
    }

    private Reply created(Tenant tenant) {
        return Reply.json(201, json(tenant)).withHeader("Location", "/admin/v1/tenants/" + tenant.id())
                .withHeader("ETag", etag(tenant));
    }

    private Reply current(Tenant tenant) {
        return Reply.json(200, json(tenant)).withHeader("ETag", etag(tenant));
    }

    private void list(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, READ.action());
        int limit = Pages.limit(ctx);
        // The list is platform-wide: its cursors belong to the platform, not to an operator's home tenant.
        var scope = CursorScope.of(Listing.TENANTS, AuditEvent.PLATFORM_PARTITION);
        var after = cursors.after(ctx, scope, CursorPosition.Reader::text).orElse("");
        var page = service.list(after, limit + 1);
        var items = bodies.mapper().createArrayNode();
        page.stream().limit(limit).forEach(t -> items.add(json(t)));
        var body = bodies.mapper().createObjectNode();
        body.set("items", items);
        if (page.size() > limit) {
            var last = page.get(limit - 1).id().value();
            body.put("next_cursor", cursors.encode(scope, position -> position.text(last)));
        }
        ctx.json(body);
    }

    private void get(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, READ.action());
        var id = PathParameters.tenant(ctx);
        audit.resource(id.value());
        var tenant = service.get(id);
        ctx.header("ETag", etag(tenant)).json(json(tenant));
    }

    private void change(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, CHANGE.action());
        var id = PathParameters.tenant(ctx);
        var body = bodies.object(ctx);
        var errors = new ArrayList<FieldError>();
        unknownMembers(body, Set.of("name", "status", "audit_retention_days", "legal_hold"), errors);
        var name = name(body, errors, false);
        Optional<Tenant.Status> status = Optional.empty();
        if (body.has("status")) {
            var value = body.get("status").asText("");
            if (value.equals("active") || value.equals("disabled")) {
                status = Optional.of(Tenant.Status.valueOf(value.toUpperCase(Locale.ROOT)));
            } else {
                errors.add(FieldError.at("/status", "must be active or disabled"));
            }
        }
        var retention = retention(body, errors);
        Optional<Boolean> legalHold = Optional.empty();
        if (body.has("legal_hold")) {
            if (body.get("legal_hold").isBoolean()) {
                legalHold = Optional.of(body.get("legal_hold").asBoolean());
            } else {
                errors.add(FieldError.at("/legal_hold", "must be true or false"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the tenant change is invalid", errors);
        }
        var tenant = service.change(security, audit, id, ifMatch(ctx),
                new TenantService.Changes(name, status, retention, legalHold), this::current);
        Replies.send(ctx, current(tenant));
    }

    private static Optional<Long> ifMatch(Context ctx) {
        var header = ctx.header("If-Match");
        if (header == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(header.strip().replace("\"", "")));
        } catch (NumberFormatException e) {
            throw new InvalidRequest("If-Match must be the tenant's revision, e.g. \"3\"");
        }
    }

    private static Optional<String> name(JsonNode body, List<FieldError> errors, boolean required) {
        var name = body.get("name");
        if (name == null) {
            if (required) {
                errors.add(FieldError.at("/name", "a display name of 1-200 characters is required"));
            }
            return Optional.empty();
        }
        if (!name.isTextual() || name.asText().isBlank() || name.asText().length() > 200) {
            errors.add(FieldError.at("/name", "must be 1-200 characters"));
            return Optional.empty();
        }
        return Optional.of(name.asText().strip());
    }

    private static Optional<OptionalInt> retention(JsonNode body, List<FieldError> errors) {
        if (!body.has("audit_retention_days")) {
            return Optional.empty();
        }
        var value = body.get("audit_retention_days");
        if (value.isNull()) {
            return Optional.of(OptionalInt.empty());
        }
        if (!value.isInt() || value.asInt() < 1 || value.asInt() > 36_500) {
            errors.add(FieldError.at("/audit_retention_days", "must be a whole number of days from 1 to 36500, or null for the default"));
            return Optional.empty();
        }
        return Optional.of(OptionalInt.of(value.asInt()));
    }

    private static void unknownMembers(JsonNode body, Set<String> known, List<FieldError> errors) {
        body.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                errors.add(FieldError.at("/" + name, "unknown member; expected one of " + new java.util.TreeSet<>(known)));
            }
        });
    }

    private static String etag(Tenant tenant) {
        return "\"" + tenant.revision() + "\"";
    }

    private ObjectNode json(Tenant tenant) {
        var json = bodies.mapper().createObjectNode()
                .put("id", tenant.id().value())
                .put("name", tenant.name())
                .put("status", tenant.status().name().toLowerCase(Locale.ROOT))
                .put("legal_hold", tenant.legalHold())
                .put("revision", tenant.revision())
                .put("created_at", tenant.createdAt().toString())
                .put("created_by", tenant.createdBy())
                .put("updated_at", tenant.updatedAt().toString())
                .put("updated_by", tenant.updatedBy());
        if (tenant.auditRetentionDays().isPresent()) {
            json.put("audit_retention_days", tenant.auditRetentionDays().getAsInt());
        } else {
            json.putNull("audit_retention_days");
        }
        return json;
    }
}
