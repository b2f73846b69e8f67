package io.timestore.server.datasets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.SecurityContext;
import io.timestore.security.authz.Action;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import io.timestore.server.problems.NotFound;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * InfluxDB v2's {@code GET /api/v2/buckets} and {@code GET /api/v2/orgs} in InfluxDB's JSON, as
 * influxdb-client-java's {@code BucketsApi} and {@code OrganizationsApi} read them: the buckets
 * are the datasets of the caller's tenant it may read ({@code dataset:read}, filtered exactly as
 * {@code GET /storage/v1/datasets}); the one organization is the caller's tenant, whose id and
 * name are its tenant id (what {@code org} and {@code orgID} name on {@code /api/v2/write}).
 * Both are reads, audited like any other. See docs/influxql.md.
 */
public final class InfluxBucketRoutes implements RouteGroup {
    private static final ApiOperation BUCKETS = ApiOperation.read("dataset:read", "datasets", "dataset");
    private static final ApiOperation ORGS = ApiOperation.read("dataset:read", "datasets", "tenant");
    private static final Set<String> BUCKET_PARAMETERS = Set.of("offset", "limit", "after", "org", "orgID", "name", "id",
            "descending");
    private static final Set<String> ORG_PARAMETERS = Set.of("offset", "limit", "descending", "org", "orgID", "userID");
    /** InfluxDB's bounds for {@code limit} on these listings. */
    private static final int DEFAULT_LIMIT = 20;
    private static final int MAX_LIMIT = 100;
    private static final int PAGE = 500;

    private final DatasetService service;
    private final JsonBodies bodies;

    public InfluxBucketRoutes(DatasetService service, JsonBodies bodies) {
        this.service = service;
        this.bodies = bodies;
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.GET, "/api/v2/buckets", BUCKETS, this::buckets);
        routes.api(HandlerType.GET, "/api/v2/orgs", ORGS, this::orgs);
    }

    /** What both listings ask alike: the caller's own organization, and a page of it in InfluxDB's bounds. */
    private record Window(String tenant, int offset, int limit) {
        /** Refuses unknown parameters and another organization; reads {@code offset} and {@code limit}. */
        static Window of(Context ctx, SecurityContext security, Set<String> parameters) {
            known(ctx, parameters);
            var tenant = security.tenant().value();
            requireOwnOrganization(ctx, tenant);
            return new Window(tenant, integer(ctx, "offset", 0, Integer.MAX_VALUE).orElse(0),
                    integer(ctx, "limit", 1, MAX_LIMIT).orElse(DEFAULT_LIMIT));
        }
    }

    private void buckets(Context ctx, SecurityContext security, RequestAudit audit) {
        var window = Window.of(ctx, security, BUCKET_PARAMETERS);
        var tenant = window.tenant();
        int offset = window.offset();
        int limit = window.limit();
        var name = single(ctx, "name");
        var id = single(ctx, "id");
        var after = single(ctx, "after").orElse("");
        boolean descending = single(ctx, "descending").map(Boolean::parseBoolean).orElse(false);
        var matching = new ArrayList<Dataset>();
        var position = descending ? "" : after;
        while (true) {
            var batch = service.page(security, position, PAGE);
            for (var dataset : batch) {
                if ((name.isEmpty() || name.get().equals(dataset.id())) && (id.isEmpty() || id.get().equals(dataset.id()))
                        && (!descending || after.isEmpty() || dataset.id().compareTo(after) < 0)
                        && service.allowed(security, dataset.resource(), Action.DATASET_READ)) {
                    matching.add(dataset);
                }
            }
            if (batch.size() < PAGE || (!descending && matching.size() > offset + limit)) {
                break;
            }
            position = batch.getLast().id();
        }
        if (descending) {
            java.util.Collections.reverse(matching);
        }
        var shown = matching.subList(Math.min(offset, matching.size()), Math.min(offset + limit, matching.size()));
        var body = bodies.mapper().createObjectNode();
        var links = body.putObject("links");
        links.put("self", "/api/v2/buckets?descending=%s&limit=%d&offset=%d".formatted(descending, limit, offset));
        if (matching.size() > offset + limit) {
            links.put("next", "/api/v2/buckets?descending=%s&limit=%d&offset=%d".formatted(descending, limit, offset + limit));
        }
        if (offset > 0) {
            links.put("prev", "/api/v2/buckets?descending=%s&limit=%d&offset=%d".formatted(descending, limit, Math.max(0, offset - limit)));
        }
        var items = body.putArray("buckets");
        shown.forEach(dataset -> items.add(bucket(dataset, tenant)));
        audit.detail("returned", shown.size());
        ctx.json(body);
    }

    private ObjectNode bucket(Dataset dataset, String tenant) {
        var bucket = bodies.mapper().createObjectNode();
        bucket.put("id", dataset.id());
        bucket.put("orgID", tenant);
        bucket.put("type", "user");
        bucket.put("name", dataset.id());
        dataset.description().ifPresent(description -> bucket.put("description", description));
        var rules = bucket.putArray("retentionRules");
        dataset.retentionDays().ifPresent(days -> rules.addObject().put("type", "expire").put("everySeconds", days * 86_400L));
        bucket.put("createdAt", dataset.createdAt().toString());
        bucket.put("updatedAt", dataset.updatedAt().toString());
        bucket.putArray("labels");
        bucket.putObject("links").put("write", "/api/v2/write?orgID=%s&bucket=%s".formatted(encode(tenant), encode(dataset.id())));
        return bucket;
    }

    private void orgs(Context ctx, SecurityContext security, RequestAudit audit) {
        var window = Window.of(ctx, security, ORG_PARAMETERS);
        single(ctx, "descending");
        single(ctx, "userID");
        var body = bodies.mapper().createObjectNode();
        body.putObject("links").put("self", "/api/v2/orgs?descending=false&limit=%d&offset=%d".formatted(window.limit(), window.offset()));
        var items = body.putArray("orgs");
        if (window.offset() == 0) {
            var org = items.addObject();
            org.put("id", window.tenant()).put("name", window.tenant()).put("status", "active");
            org.putObject("links").put("buckets", "/api/v2/buckets?orgID=" + encode(window.tenant()));
        }
        audit.detail("returned", items.size());
        ctx.json(body);
    }

    /**
     * {@code org} and {@code orgID}, when given, must name the caller's tenant: another tenant's
     * looks exactly like one that does not exist (InfluxDB's 404), so names do not leak.
     */
    private static void requireOwnOrganization(Context ctx, String tenant) {
        for (var parameter : List.of("org", "orgID")) {
            var named = single(ctx, parameter);
            if (named.isPresent() && !named.get().equals(tenant)) {
                throw new NotFound("organization %s \"%s\" not found".formatted(parameter.equals("org") ? "name" : "id", named.get()));
            }
        }
    }

    private static void known(Context ctx, Set<String> parameters) {
        for (var name : ctx.queryParamMap().keySet()) {
            if (!parameters.contains(name)) {
                throw new InvalidRequest("unknown query parameter " + name,
                        List.of(FieldError.at("/" + name, "expected one of " + new TreeSet<>(parameters))));
            }
        }
    }

    private static Optional<String> single(Context ctx, String name) {
        var values = ctx.queryParams(name);
        if (values.size() > 1) {
            throw new InvalidRequest(name + " must be given at most once", List.of(FieldError.at("/" + name, "repeated")));
        }
        return values.isEmpty() || values.getFirst().isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    private static Optional<Integer> integer(Context ctx, String name, int min, int max) {
        var text = single(ctx, name);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            int value = Integer.parseInt(text.get());
            if (value >= min && value <= max) {
                return Optional.of(value);
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        var range = max == Integer.MAX_VALUE ? "an integer of at least " + min : "an integer from %d to %d".formatted(min, max);
        throw new InvalidRequest("%s must be %s; got '%s'".formatted(name, range, text.get()),
                List.of(FieldError.at("/" + name, "expected " + range)));
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
