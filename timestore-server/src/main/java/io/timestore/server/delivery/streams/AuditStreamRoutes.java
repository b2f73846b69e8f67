package io.timestore.server.delivery.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.audit.delivery.format.EventEncoders.Format;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.delivery.webhook.OutboundPolicy;
import io.timestore.server.delivery.webhook.RefusedDestination;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.Replies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/audit-streams}: a tenant's own webhook endpoints for its audit trail
 * (docs/audit-delivery.md, "Tenant streams"). Create (secret shown once), list, pause, resume,
 * delete, and a synchronous test delivery. Authorization in {@link AuditStreamService#authorize}.
 */
public final class AuditStreamRoutes implements RouteGroup {
    private static final String PATH = "/admin/v1/audit-streams";
    private static final Pattern ID = Pattern.compile("as_[0-9a-f]{24}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}");
    private static final Set<String> MEMBERS = Set.of("name", "url", "format", "cloudevents");
    private static final ApiOperation CREATE = ApiOperation.mutation("token:manage", "audit-streams", "audit_stream");
    private static final ApiOperation LIST = ApiOperation.read("token:manage", "audit-streams", "audit_stream");
    private static final ApiOperation CHANGE = ApiOperation.mutation("token:manage", "audit-streams", "audit_stream");
    private static final ApiOperation TEST = ApiOperation.read("token:manage", "audit-streams", "audit_stream");

    private final AuditStreamService service;
    private final JsonBodies bodies;
    private final OutboundPolicy policy;

    AuditStreamRoutes(AuditStreamService service, JsonBodies bodies, OutboundPolicy policy) {
        this.service = service;
        this.bodies = bodies;
        this.policy = policy;
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.POST, PATH, CREATE, this::create);
        routes.api(HandlerType.GET, PATH, LIST, this::list);
        routes.api(HandlerType.POST, PATH + "/{id}/pause", CHANGE, (ctx, security, audit) -> setPaused(ctx, security, audit, true));
        routes.api(HandlerType.POST, PATH + "/{id}/resume", CHANGE, (ctx, security, audit) -> setPaused(ctx, security, audit, false));
        routes.api(HandlerType.DELETE, PATH + "/{id}", CHANGE, this::delete);
        routes.api(HandlerType.POST, PATH + "/{id}/test", TEST, this::test);
    }

    private void create(Context ctx, SecurityContext security, RequestAudit audit) {
        service.authorize(security);
        var created = service.create(security, audit, parse(bodies.object(ctx)), this::created);
        Replies.send(ctx, created(created));
    }

    private Reply created(AuditStreamService.Created created) {
        var body = json(created.stream()).put("secret", created.secret());
        return Reply.json(201, body).withHeader("Location", PATH + "/" + created.stream().id())
                .withHeader("Cache-Control", "no-store");
    }

    private void list(Context ctx, SecurityContext security, RequestAudit audit) {
        var body = bodies.mapper().createObjectNode();
        var items = body.putArray("items");
        service.list(security).forEach(stream -> items.add(json(stream)));
        Replies.send(ctx, Reply.json(200, body));
    }

    private void setPaused(Context ctx, SecurityContext security, RequestAudit audit, boolean pause) {
        var stream = service.setPaused(security, audit, id(ctx), pause, s -> Reply.json(200, json(s)));
        Replies.send(ctx, Reply.json(200, json(stream)));
    }

    private void delete(Context ctx, SecurityContext security, RequestAudit audit) {
        service.delete(security, audit, id(ctx));
        Replies.send(ctx, Reply.empty(204));
    }

    private void test(Context ctx, SecurityContext security, RequestAudit audit) {
        var result = service.test(security, audit, id(ctx));
        var body = bodies.mapper().createObjectNode().put("delivered", result.delivered());
        result.status().ifPresentOrElse(s -> body.put("status", s), () -> body.putNull("status"));
        result.error().ifPresentOrElse(e -> body.put("error", e), () -> body.putNull("error"));
        Replies.send(ctx, Reply.json(200, body));
    }

    private ObjectNode json(AuditStream stream) {
        var json = bodies.mapper().createObjectNode().put("id", stream.id()).put("name", stream.name())
                .put("url", stream.url().toString()).put("format", stream.format().label())
                .put("cloudevents", stream.cloudEvents()).put("status", stream.status());
        stream.pausedAt().ifPresentOrElse(p -> json.put("paused_at", p.toString()), () -> json.putNull("paused_at"));
        return json.put("created_at", stream.createdAt().toString()).put("created_by", stream.createdBy());
    }

    private static String id(Context ctx) {
        var id = ctx.pathParam("id");
        if (!ID.matcher(id).matches()) {
            throw new InvalidRequest("invalid audit stream id", List.of(FieldError.at("/id",
                    "must be as_ followed by 24 lower-case hex characters")));
        }
        return id;
    }

    private AuditStreamService.NewStream parse(JsonNode body) {
        var errors = new ArrayList<FieldError>();
        body.fieldNames().forEachRemaining(member -> {
            if (!MEMBERS.contains(member)) {
                errors.add(FieldError.at("/" + member, "unknown member (known: cloudevents, format, name, url)"));
            }
        });
        var name = text(body, "name", errors);
        if (name != null && !NAME.matcher(name).matches()) {
            errors.add(FieldError.at("/name", "must be 1-200 letters, digits, spaces and ._:- starting with a letter or digit"));
        }
        var url = url(text(body, "url", errors), errors);
        var format = Format.TIMESTORE;
        var formatNode = body.get("format");
        if (formatNode != null && !formatNode.isNull()) {
            try {
                format = Format.fromLabel(formatNode.isTextual() ? formatNode.asText() : formatNode.toString());
            } catch (IllegalArgumentException e) {
                errors.add(FieldError.at("/format", e.getMessage()));
            }
        }
        var cloudEvents = body.get("cloudevents");
        if (cloudEvents != null && !cloudEvents.isNull() && !cloudEvents.isBoolean()) {
            errors.add(FieldError.at("/cloudevents", "must be true or false"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the audit stream request is invalid", errors);
        }
        return new AuditStreamService.NewStream(name, url, format, cloudEvents != null && cloudEvents.asBoolean());
    }

    private static String text(JsonNode body, String member, List<FieldError> errors) {
        var node = body.get(member);
        if (node == null || node.isNull()) {
            errors.add(FieldError.at("/" + member, "required"));
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            errors.add(FieldError.at("/" + member, "must be a non-empty string"));
            return null;
        }
        return node.asText();
    }

    private URI url(String text, List<FieldError> errors) {
        if (text == null) {
            return null;
        }
        if (text.length() > 2048) {
            errors.add(FieldError.at("/url", "must be at most 2048 characters"));
            return null;
        }
        try {
            return policy.checkUrl(new URI(text));
        } catch (URISyntaxException e) {
            errors.add(FieldError.at("/url", "not a URL (%s)".formatted(e.getReason())));
        } catch (RefusedDestination e) {
            errors.add(FieldError.at("/url", e.getMessage()));
        }
        return null;
    }
}
