package io.timestore.server.shares;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.datasets.DatasetRoutes;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.PathParameters;
import io.timestore.server.http.Replies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /storage/v1/datasets/{dataset}/shares}: list and make read-only shares of a dataset with
 * other tenants, and revoke one at {@code .../shares/{tenant}} — all {@code dataset:admin} on the
 * dataset. Reads through a share are {@code GET /storage/v1/shared/{owner}/datasets/{dataset}/query}
 * and {@code .../series} (the points feature).
 */
public final class ShareRoutes implements RouteGroup {
    static final String BASE = "/storage/v1/datasets/{dataset}/shares";
    private static final ApiOperation CREATE = ApiOperation.mutation("dataset:admin", "datasets", "dataset_share");
    private static final ApiOperation LIST = ApiOperation.read("dataset:admin", "datasets", "dataset_share");
    private static final ApiOperation REVOKE = ApiOperation.mutation("dataset:admin", "datasets", "dataset_share");
    private static final Set<String> MEMBERS = Set.of("tenant", "scope", "rationale", "owner");
    private static final Pattern SCOPE = Pattern.compile("[!-~]{1,128}");

    private final ShareService service;
    private final JsonBodies bodies;

    public ShareRoutes(ShareService service, JsonBodies bodies) {
        this.service = service;
        this.bodies = bodies;
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.GET, BASE, LIST, this::list);
        routes.api(HandlerType.POST, BASE, CREATE, this::create);
        routes.api(HandlerType.DELETE, BASE + "/{tenant}", REVOKE, this::revoke);
    }

    private void list(Context ctx, SecurityContext security, RequestAudit audit) {
        var dataset = DatasetRoutes.datasetId(ctx);
        audit.dataset(dataset);
        var items = bodies.mapper().createArrayNode();
        service.list(security, dataset).forEach(share -> items.add(toJson(share)));
        var body = bodies.mapper().createObjectNode();
        body.set("items", items);
        audit.detail("returned", items.size());
        ctx.json(body);
    }

    private void create(Context ctx, SecurityContext security, RequestAudit audit) {
        var dataset = DatasetRoutes.datasetId(ctx);
        audit.dataset(dataset);
        var request = parse(bodies.object(ctx));
        var share = service.create(security, audit, dataset, request, this::created);
        Replies.send(ctx, created(share));
    }

    private Reply created(Share share) {
        return Reply.json(201, toJson(share))
                .withHeader("Location", "/storage/v1/datasets/%s/shares/%s".formatted(share.dataset(), share.grantee().value()));
    }

    private void revoke(Context ctx, SecurityContext security, RequestAudit audit) {
        var dataset = DatasetRoutes.datasetId(ctx);
        audit.dataset(dataset);
        var grantee = PathParameters.tenant(ctx);
        service.revoke(security, audit, dataset, grantee);
        ctx.status(204);
    }

    static ShareService.Request parse(JsonNode body) {
        var errors = new ArrayList<FieldError>();
        body.fieldNames().forEachRemaining(name -> {
            if (!MEMBERS.contains(name)) {
                errors.add(FieldError.at("/" + name, "unknown member; expected tenant, scope, rationale, owner"));
            }
        });
        var tenant = TenantId.parse(body.path("tenant").isTextual() ? body.get("tenant").asText() : null);
        if (tenant.isEmpty()) {
            errors.add(FieldError.at("/tenant", "required: the grantee tenant id"));
        }
        var scope = body.path("scope").asText("");
        if (!body.path("scope").isTextual() || !SCOPE.matcher(scope).matches()) {
            errors.add(FieldError.at("/scope", "required: the scope a grantee caller must hold, 1-128 visible ASCII characters"));
        }
        var rationale = text(body, "rationale", 2000, errors);
        var owner = text(body, "owner", 256, errors);
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the share is not valid", errors);
        }
        return new ShareService.Request(tenant.get(), scope, rationale, owner);
    }

    private static String text(JsonNode body, String name, int max, List<FieldError> errors) {
        var node = body.path(name);
        if (!node.isTextual() || node.asText().isBlank() || node.asText().strip().length() > max) {
            errors.add(FieldError.at("/" + name, "required: non-blank text of at most %d characters".formatted(max)));
            return "";
        }
        return node.asText().strip();
    }

    private ObjectNode toJson(Share share) {
        return bodies.mapper().createObjectNode()
                .put("tenant", share.grantee().value())
                .put("dataset", share.dataset())
                .put("scope", share.scope())
                .put("rationale", share.rationale())
                .put("owner", share.owner())
                .put("created_at", share.createdAt().toString())
                .put("created_by", share.createdBy());
    }
}
