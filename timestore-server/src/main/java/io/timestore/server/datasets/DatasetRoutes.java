package io.timestore.server.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.Resource;
import io.timestore.security.authz.RouteKind;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.http.CursorPosition;
import io.timestore.server.http.CursorScope;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.Listing;
import io.timestore.server.http.Pages;
import io.timestore.server.http.Permissions;
import io.timestore.server.http.Replies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.Conflict;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import io.timestore.server.problems.ProblemType;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /storage/v1/datasets}: create ({@code dataset:admin} on the tenant), list and get
 * ({@code dataset:read}; a listing shows only the datasets the caller may read), PATCH with
 * {@code If-Match} and DELETE ({@code dataset:admin} on the dataset).
 */
public final class DatasetRoutes implements RouteGroup {
    static final String BASE = "/storage/v1/datasets";
    private static final ApiOperation CREATE = ApiOperation.mutation("dataset:admin", "datasets", "dataset");
    private static final ApiOperation LIST = ApiOperation.read("dataset:read", "datasets", "dataset");
    private static final ApiOperation GET = ApiOperation.read("dataset:read", "datasets", "dataset");
    private static final ApiOperation PATCH = ApiOperation.mutation("dataset:admin", "datasets", "dataset");
    private static final ApiOperation DELETE = ApiOperation.mutation("dataset:admin", "datasets", "dataset");

    private final DatasetService service;
    private final Permissions permissions;
    private final JsonBodies bodies;
    private final Cursors cursors;

    public DatasetRoutes(DatasetService service, Permissions permissions, JsonBodies bodies, Cursors cursors) {
        this.service = service;
        this.permissions = permissions;
        this.bodies = bodies;
        this.cursors = cursors;
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.POST, BASE, CREATE, this::create);
        routes.api(HandlerType.GET, BASE, LIST, this::list);
        routes.api(HandlerType.GET, BASE + "/{dataset}", GET, this::get);
        routes.api(HandlerType.PATCH, BASE + "/{dataset}", PATCH, this::patch);
        routes.api(HandlerType.DELETE, BASE + "/{dataset}", DELETE, this::delete);
    }

    /** The validated {@code {dataset}} path parameter; 400 when it cannot be a dataset id. */
    public static String datasetId(Context ctx) {
        var id = ctx.pathParam("dataset");
        if (!DatasetId.isValid(id)) {
            throw new InvalidRequest("dataset id must match " + DatasetId.RULE,
                    List.of(FieldError.at("/dataset", "not a dataset id")));
        }
        return id;
    }

    private void create(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, Action.DATASET_ADMIN, Resource.tenant(security.tenant()), RouteKind.OTHER);
        var body = bodies.object(ctx);
        var request = DatasetJson.parseCreate(body);
        var created = service.create(security, audit, request.id(), request.metadata(), DatasetRoutes::created);
        Replies.send(ctx, created(created));
    }

    private static Reply created(Dataset created) {
        return Reply.json(201, DatasetJson.toJson(created)).withHeader("Location", BASE + "/" + created.id())
                .withHeader("ETag", etag(created));
    }

    private static Reply current(Dataset dataset) {
        return Reply.json(200, DatasetJson.toJson(dataset)).withHeader("ETag", etag(dataset));
    }

    private void list(Context ctx, SecurityContext security, RequestAudit audit) {
        int limit = Pages.limit(ctx);
        var scope = CursorScope.of(Listing.DATASETS, security.tenant().value());
        var after = cursors.after(ctx, scope, CursorPosition.Reader::text).orElse("");
        var shown = readablePage(security, after, limit);
        var items = bodies.mapper().createArrayNode();
        for (var dataset : shown.subList(0, Math.min(limit, shown.size()))) {
            items.add(DatasetJson.toJson(dataset));
        }
        var body = bodies.mapper().createObjectNode();
        body.set("items", items);
        if (shown.size() > limit) {
            var last = shown.get(limit - 1);
            body.put("next_cursor", cursors.encode(scope, position -> position.text(last.id())));
        }
        audit.detail("returned", items.size());
        ctx.json(body);
    }

    /**
     * Up to {@code limit + 1} datasets after {@code after} that the caller may read, reading past
     * those it may not. A page and its cursor are made of readable datasets only: a cursor names
     * its last item (it is signed, not encrypted), so it must never name a dataset the caller
     * could not see, and no page is empty while more readable datasets follow.
     */
    private List<Dataset> readablePage(SecurityContext security, String after, int limit) {
        var readable = new ArrayList<Dataset>(limit + 1);
        String position = after;
        while (true) {
            var batch = service.page(security, position, limit + 1);
            for (var dataset : batch) {
                if (service.allowed(security, dataset.resource(), Action.DATASET_READ)) {
                    readable.add(dataset);
                    if (readable.size() > limit) {
                        return readable;
                    }
                }
            }
            if (batch.size() <= limit) {
                return readable;
            }
            position = batch.getLast().id();
        }
    }

    private void get(Context ctx, SecurityContext security, RequestAudit audit) {
        var id = datasetId(ctx);
        audit.dataset(id);
        var dataset = service.authorize(security, id, Action.DATASET_READ, RouteKind.OTHER);
        ctx.header("ETag", etag(dataset)).json(DatasetJson.toJson(dataset));
    }

    private void patch(Context ctx, SecurityContext security, RequestAudit audit) {
        var id = datasetId(ctx);
        audit.dataset(id);
        long expected = ifMatch(ctx);
        var patch = DatasetJson.parsePatch(mergePatch(ctx));
        var updated = service.update(security, audit, id, expected, patch::applyTo, DatasetRoutes::current);
        Replies.send(ctx, current(updated));
    }

    private void delete(Context ctx, SecurityContext security, RequestAudit audit) {
        var id = datasetId(ctx);
        service.delete(security, audit, id);
        ctx.status(204);
    }

    /** The revision in {@code If-Match}: {@code 3} or {@code "3"} (the ETag we send). */
    private static long ifMatch(Context ctx) {
        var value = ctx.header("If-Match");
        if (value == null || value.isBlank()) {
            throw new Conflict(ProblemType.PRECONDITION_REQUIRED,
                    "PATCH needs If-Match with the dataset's current revision (its ETag)");
        }
        var bare = value.strip();
        if (bare.startsWith("W/")) {
            bare = bare.substring(2);
        }
        if (bare.length() >= 2 && bare.startsWith("\"") && bare.endsWith("\"")) {
            bare = bare.substring(1, bare.length() - 1);
        }
        try {
            long revision = Long.parseLong(bare);
            if (revision >= 1) {
                return revision;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new InvalidRequest("If-Match must be one revision such as \"3\" (the ETag of the dataset), got " + value,
                List.of(FieldError.at("/If-Match", "expected a revision")));
    }

    /** A merge-patch body: {@code application/merge-patch+json} or {@code application/json}. */
    private JsonNode mergePatch(Context ctx) {
        var contentType = ctx.contentType();
        if (contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/merge-patch+json")) {
            try {
                var body = bodies.mapper().readTree(ctx.bodyAsBytes());
                if (body != null && body.isObject()) {
                    return body;
                }
            } catch (java.io.IOException e) {
                throw new InvalidRequest("the body is not valid JSON");
            }
            throw new InvalidRequest("the body must be a JSON object");
        }
        return bodies.object(ctx);
    }

    static String etag(Dataset dataset) {
        return "\"" + dataset.revision() + "\"";
    }
}
