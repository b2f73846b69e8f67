package io.timestore.server.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.http.CreationPages;
import io.timestore.server.http.CursorScope;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.Permissions;
import io.timestore.server.http.Replies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.ArrayList;
import java.util.List;

/**
 * The routes of one credential kind, the same for every kind: {@code POST {path}} creates (201,
 * the secret shown this once, {@code Cache-Control: no-store}), {@code GET {path}} lists (newest
 * first, the shared creation cursor), {@code DELETE {path}/{id}} revokes (204, also when it already
 * was). Each needs {@code token:manage}; the {@link CredentialKind} supplies what is its own.
 *
 * @param <K> the kind's own part of a creation request
 * @param <T> the kind's listing record
 */
public final class CredentialRoutes<K, T extends ListedCredential> implements RouteGroup {
    /** The action every credential kind is managed under. */
    private static final String MANAGE = "token:manage";

    private final CredentialKind<K, T> kind;
    private final CredentialKind.Names names;
    private final CredentialLifecycle<T> lifecycle;
    private final CredentialExpiry expiry;
    private final Permissions permissions;
    private final JsonBodies bodies;
    private final Cursors cursors;
    private final ApiOperation create;
    private final ApiOperation list;
    private final ApiOperation revoke;

    public CredentialRoutes(CredentialKind<K, T> kind, CredentialExpiry expiry, Permissions permissions, JsonBodies bodies,
                            Cursors cursors) {
        this.kind = kind;
        this.names = kind.names();
        this.lifecycle = kind.lifecycle();
        this.expiry = expiry;
        this.permissions = permissions;
        this.bodies = bodies;
        this.cursors = cursors;
        this.create = ApiOperation.mutation(MANAGE, names.component(), names.resourceType());
        this.list = ApiOperation.read(MANAGE, names.component(), names.resourceType());
        this.revoke = ApiOperation.mutation(MANAGE, names.component(), names.resourceType());
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.POST, names.path(), create, this::create);
        routes.api(HandlerType.GET, names.path(), list, this::list);
        routes.api(HandlerType.DELETE, names.path() + "/{id}", revoke, this::revoke);
    }

    private void create(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, create.action());
        var created = kind.create(security, audit, parse(bodies.object(ctx)), this::created);
        Replies.send(ctx, created(created));
    }

    /** The request's common members and the kind's own; every broken rule is reported at once. */
    NewCredential<K> parse(JsonNode body) {
        var errors = new ArrayList<FieldError>();
        var common = CredentialBody.read(body, kind.members(), expiry, lifecycle.now(), errors);
        var own = kind.read(body, errors);
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the %s request is invalid".formatted(names.noun()), errors);
        }
        return new NewCredential<>(common.name(), common.expiresAt(), own);
    }

    private Reply created(CreatedCredential<K> created) {
        var body = bodies.mapper().createObjectNode()
                .put("id", created.id())
                .put("name", created.name())
                .put(names.secretMember(), created.secret());
        kind.addMembers(body, created.own());
        body.put("expires_at", created.expiresAt().toString()).put("created_at", created.createdAt().toString());
        return Reply.json(201, body).withHeader("Location", names.path() + "/" + created.id())
                .withHeader("Cache-Control", "no-store");
    }

    private void list(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, list.action());
        var page = CreationPages.read(ctx, cursors, bodies.mapper(), CursorScope.of(names.listing(), security.tenant().value()),
                (afterCreatedAt, afterId, limit) -> lifecycle.list(security, afterCreatedAt, afterId, limit), kind::listed);
        audit.detail("returned", page.returned());
        ctx.json(page.body());
    }

    private void revoke(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, revoke.action());
        var id = ctx.pathParam("id");
        if (!names.idFormat().matcher(id).matches()) {
            throw new InvalidRequest("%s id must be %s".formatted(names.noun(), names.idRule()),
                    List.of(FieldError.at("/id", "expected " + names.idRule())));
        }
        lifecycle.revoke(security, audit, id);
        ctx.status(204);
    }
}
