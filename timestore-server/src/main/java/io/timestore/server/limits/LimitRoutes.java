package io.timestore.server.limits;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.config.LimitSettings;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.PathParameters;
import io.timestore.server.http.Permissions;
import io.timestore.server.http.Replies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@code /admin/v1/tenants/{tenant}/limits}: platform operators read, set and remove a tenant's
 * rate-limit and quota overrides ({@code tenant:admin}; docs/security.md, "Rate limits and
 * quotas"). A PUT replaces the overrides as a whole: each member it names (an integer from 0,
 * unlimited, to {@link LimitSettings#MAX}) overrides its setting, a member it leaves out or sets
 * to {@code null} keeps the configured default. Every answer shows the overrides and the limits
 * in force.
 */
public final class LimitRoutes implements RouteGroup {
    private static final String PATH = "/admin/v1/tenants/{tenant}/limits";
    private static final ApiOperation READ = ApiOperation.read("tenant:admin", "limits", "tenant_limits");
    private static final ApiOperation CHANGE = ApiOperation.mutation("tenant:admin", "limits", "tenant_limits");

    private final LimitService service;
    private final LimitSettings defaults;
    private final Permissions permissions;
    private final JsonBodies bodies;

    public LimitRoutes(LimitService service, LimitSettings defaults, Permissions permissions, JsonBodies bodies) {
        this.permissions = java.util.Objects.requireNonNull(permissions, "permissions");
        this.service = java.util.Objects.requireNonNull(service, "service");
        this.defaults = java.util.Objects.requireNonNull(defaults, "defaults");
        this.bodies = java.util.Objects.requireNonNull(bodies, "bodies");
    }

    @Override
    public void register(Routes routes) {
        routes.platform(HandlerType.GET, PATH, READ, this::get);
        routes.platform(HandlerType.PUT, PATH, CHANGE, this::put);
        routes.platform(HandlerType.DELETE, PATH, CHANGE, this::delete);
    }

    private void get(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, READ.action());
        var tenant = PathParameters.tenant(ctx);
        Replies.send(ctx, Reply.json(200, json(tenant, service.get(security, audit, tenant))));
    }

    private void put(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, CHANGE.action());
        var tenant = PathParameters.tenant(ctx);
        var body = bodies.object(ctx);
        var errors = new ArrayList<FieldError>();
        var known = new TreeSet<String>();
        for (var limit : Limit.values()) {
            known.add(limit.member());
        }
        body.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                errors.add(FieldError.at("/" + name, "unknown member; expected one of " + known));
            }
        });
        var values = new EnumMap<Limit, Long>(Limit.class);
        for (var limit : Limit.values()) {
            var value = body.get(limit.member());
            if (value == null || value.isNull()) {
                continue;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0 || value.asLong() > LimitSettings.MAX) {
                errors.add(FieldError.at("/" + limit.member(),
                        "must be a whole number from 0 (unlimited) to " + LimitSettings.MAX + ", or null for the default"));
            } else {
                values.put(limit, value.asLong());
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the limits are invalid", errors);
        }
        var stored = service.put(security, audit, tenant, new Overrides(values, Optional.empty(), Optional.empty()),
                overrides -> Reply.json(200, json(tenant, overrides)));
        Replies.send(ctx, Reply.json(200, json(tenant, stored)));
    }

    private void delete(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, CHANGE.action());
        service.delete(security, audit, PathParameters.tenant(ctx));
        Replies.send(ctx, Reply.empty(204));
    }

    private ObjectNode json(TenantId tenant, Overrides overrides) {
        var node = bodies.mapper().createObjectNode().put("tenant", tenant.value());
        var set = node.putObject("overrides");
        overrides.values().forEach((limit, value) -> set.put(limit.member(), value));
        var inForce = node.putObject("effective");
        for (var limit : Limit.values()) {
            inForce.put(limit.member(), overrides.value(limit, defaults));
        }
        overrides.updatedAt().ifPresent(at -> node.put("updated_at", at.toString()));
        overrides.updatedBy().ifPresent(by -> node.put("updated_by", by));
        return node;
    }
}
