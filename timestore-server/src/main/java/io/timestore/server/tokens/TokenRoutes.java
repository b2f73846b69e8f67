package io.timestore.server.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.SecurityContext;
import io.timestore.security.TokenPermission;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.credentials.CredentialBody;
import io.timestore.server.credentials.CredentialExpiry;
import io.timestore.server.credentials.CredentialRoutes;
import io.timestore.server.datasets.DatasetId;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.Listing;
import io.timestore.server.http.Permissions;
import io.timestore.server.http.Replies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/tokens}: a tenant's API tokens (action {@code token:manage}). What every
 * credential kind shares (name, expiry, listing, revocation) is in {@code server.credentials};
 * here are the token's permissions.
 */
public final class TokenRoutes implements RouteGroup {
    /** What a token may be granted: never token or tenant administration. */
    static final Set<String> GRANTABLE = Set.of("dataset:read", "dataset:write", "dataset:admin", "refresh:read",
            "refresh:write", "audit:list", "audit:get");
    private static final Pattern TOKEN_ID = Pattern.compile("[0-9a-f]{24}");
    private static final ApiOperation CREATE = ApiOperation.mutation("token:manage", "tokens", "token");
    private static final ApiOperation LIST = ApiOperation.read("token:manage", "tokens", "token");
    private static final ApiOperation REVOKE = ApiOperation.mutation("token:manage", "tokens", "token");

    private final TokenService service;
    private final Permissions permissions;
    private final JsonBodies bodies;
    private final CredentialExpiry expiry;
    private final CredentialRoutes<TokenRecords.Listed> credentials;

    public TokenRoutes(TokenService service, Permissions permissions, JsonBodies bodies, Cursors cursors,
                       Duration defaultTtl, Duration maxTtl) {
        this.service = service;
        this.permissions = permissions;
        this.bodies = bodies;
        this.expiry = new CredentialExpiry(defaultTtl, maxTtl);
        this.credentials = new CredentialRoutes<>(service.lifecycle(), bodies, cursors, Listing.API_TOKENS, "token id",
                TOKEN_ID, "24 lower-case hex characters");
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.POST, "/admin/v1/tokens", CREATE, this::create);
        routes.api(HandlerType.GET, "/admin/v1/tokens", LIST, this::list);
        routes.api(HandlerType.DELETE, "/admin/v1/tokens/{id}", REVOKE, this::revoke);
    }

    private void create(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, CREATE.action());
        var request = parse(bodies.object(ctx), service.now());
        var created = service.create(security, audit, request, this::created);
        Replies.send(ctx, created(created));
    }

    private Reply created(TokenService.Created created) {
        var body = bodies.mapper().createObjectNode()
                .put("id", created.id())
                .put("name", created.name())
                .put("token", created.token());
        body.set("permissions", service.permissionsJson(created.permissions()));
        body.put("expires_at", created.expiresAt().toString()).put("created_at", created.createdAt().toString());
        return Reply.json(201, body).withHeader("Location", "/admin/v1/tokens/" + created.id())
                .withHeader("Cache-Control", "no-store");
    }

    private void list(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, LIST.action());
        credentials.list(ctx, security, audit, this::tokenJson);
    }

    private void revoke(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, REVOKE.action());
        credentials.revoke(ctx, security, audit);
    }

    TokenService.NewToken parse(JsonNode body, Instant now) {
        var errors = new ArrayList<FieldError>();
        var common = CredentialBody.read(body, List.of("permissions"), expiry, now, errors);
        var granted = new ArrayList<TokenPermission>();
        var list = body.path("permissions");
        if (!list.isArray() || list.isEmpty()) {
            errors.add(FieldError.at("/permissions", "at least one permission is required"));
        } else {
            for (int i = 0; i < list.size(); i++) {
                permission(list.get(i), "/permissions/" + i, errors).ifPresent(granted::add);
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the token request is invalid", errors);
        }
        return new TokenService.NewToken(common.name(), granted, common.expiresAt());
    }

    private static Optional<TokenPermission> permission(JsonNode item, String pointer, List<FieldError> errors) {
        if (!item.isObject()) {
            errors.add(FieldError.at(pointer, "must be an object with action and optional datasets"));
            return Optional.empty();
        }
        var action = item.path("action").asText("");
        if (!GRANTABLE.contains(action)) {
            errors.add(FieldError.at(pointer + "/action", "must be one of " + new TreeSet<>(GRANTABLE)));
            return Optional.empty();
        }
        var datasets = item.get("datasets");
        if (datasets == null || datasets.isNull()) {
            return Optional.of(TokenPermission.onAllDatasets(action));
        }
        if (!datasets.isArray() || datasets.isEmpty()) {
            errors.add(FieldError.at(pointer + "/datasets", "must be a non-empty list of dataset ids, or absent for all datasets"));
            return Optional.empty();
        }
        var names = new LinkedHashSet<String>();
        for (int i = 0; i < datasets.size(); i++) {
            var dataset = datasets.get(i).asText("");
            if (!datasets.get(i).isTextual() || !DatasetId.isValid(dataset)) {
                errors.add(FieldError.at(pointer + "/datasets/" + i, "must be a dataset id matching " + DatasetId.RULE));
            }
            names.add(dataset);
        }
        return Optional.of(TokenPermission.onDatasets(action, names));
    }

    private ObjectNode tokenJson(TokenRecords.Listed token) {
        var json = token.credential().jsonHead(bodies.mapper());
        json.set("permissions", service.permissionsJson(token.permissions()));
        token.credential().jsonTail(json);
        token.lastUsedAt().ifPresent(at -> json.put("last_used_at", at.toString()));
        return json;
    }
}
