package io.timestore.server.signingkeys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.credentials.CredentialBody;
import io.timestore.server.credentials.CredentialExpiry;
import io.timestore.server.credentials.CredentialRoutes;
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
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/signing-keys}: HMAC keys for signed service requests (action {@code token:manage}).
 * What every credential kind shares (name, expiry, listing, revocation) is in
 * {@code server.credentials}; here are the key's roles and scopes.
 */
public final class SigningKeyRoutes implements RouteGroup {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern KEY_ID = Pattern.compile("hk_[0-9a-f]{24}");
    private static final ApiOperation CREATE = ApiOperation.mutation("token:manage", "signing-keys", "signing_key");
    private static final ApiOperation LIST = ApiOperation.read("token:manage", "signing-keys", "signing_key");
    private static final ApiOperation REVOKE = ApiOperation.mutation("token:manage", "signing-keys", "signing_key");

    private final SigningKeyService service;
    private final Permissions permissions;
    private final JsonBodies bodies;
    private final CredentialExpiry expiry;
    private final CredentialRoutes<SigningKeyRecords.Listed> credentials;

    public SigningKeyRoutes(SigningKeyService service, Permissions permissions, JsonBodies bodies, Cursors cursors,
                            Duration defaultTtl, Duration maxTtl) {
        this.service = service;
        this.permissions = permissions;
        this.bodies = bodies;
        this.expiry = new CredentialExpiry(defaultTtl, maxTtl);
        this.credentials = new CredentialRoutes<>(service.lifecycle(), bodies, cursors, Listing.SIGNING_KEYS, "signing key id",
                KEY_ID, "hk_ followed by 24 lower-case hex characters");
    }

    @Override
    public void register(Routes routes) {
        routes.api(HandlerType.POST, "/admin/v1/signing-keys", CREATE, this::create);
        routes.api(HandlerType.GET, "/admin/v1/signing-keys", LIST, this::list);
        routes.api(HandlerType.DELETE, "/admin/v1/signing-keys/{id}", REVOKE, this::revoke);
    }

    private void create(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, CREATE.action());
        var created = service.create(security, audit, parse(bodies.object(ctx), service.now()), this::created);
        Replies.send(ctx, created(created));
    }

    private Reply created(SigningKeyService.Created created) {
        var body = bodies.mapper().createObjectNode().put("id", created.id()).put("name", created.name())
                .put("secret", created.secret());
        var roles = body.putArray("roles");
        created.roles().stream().sorted().forEach(roles::add);
        var scopes = body.putArray("scopes");
        created.scopes().stream().sorted().forEach(scopes::add);
        body.put("expires_at", created.expiresAt().toString()).put("created_at", created.createdAt().toString());
        return Reply.json(201, body).withHeader("Location", "/admin/v1/signing-keys/" + created.id())
                .withHeader("Cache-Control", "no-store");
    }

    private void list(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, LIST.action());
        credentials.list(ctx, security, audit, this::keyJson);
    }

    private ObjectNode keyJson(SigningKeyRecords.Listed key) {
        var item = key.credential().jsonHead(bodies.mapper());
        var roles = item.putArray("roles");
        key.roles().forEach(roles::add);
        var scopes = item.putArray("scopes");
        key.scopes().forEach(scopes::add);
        return key.credential().jsonTail(item);
    }

    private void revoke(Context ctx, SecurityContext security, RequestAudit audit) {
        permissions.require(security, REVOKE.action());
        credentials.revoke(ctx, security, audit);
    }

    private SigningKeyService.NewKey parse(JsonNode body, Instant now) {
        var errors = new ArrayList<FieldError>();
        var common = CredentialBody.read(body, List.of("roles", "scopes"), expiry, now, errors);
        var roles = names(body, "roles", errors);
        var scopes = names(body, "scopes", errors);
        if (roles.contains(Principal.PLATFORM_OPERATOR_ROLE)) {
            errors.add(FieldError.at("/roles", "a signing key cannot carry the platform-operator role"));
        }
        if (roles.isEmpty() && scopes.isEmpty()) {
            errors.add(FieldError.at("/roles", "a key needs at least one role or scope, or it could do nothing"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the signing key request is invalid", errors);
        }
        return new SigningKeyService.NewKey(common.name(), roles, scopes, common.expiresAt());
    }

    private static Set<String> names(JsonNode body, String member, List<FieldError> errors) {
        var names = new LinkedHashSet<String>();
        var array = body.get(member);
        if (array == null || array.isNull()) {
            return names;
        }
        if (!array.isArray()) {
            errors.add(FieldError.at("/" + member, "must be a list of names"));
            return names;
        }
        for (int i = 0; i < array.size(); i++) {
            if (!array.get(i).isTextual() || !NAME.matcher(array.get(i).asText()).matches()) {
                errors.add(FieldError.at("/%s/%d".formatted(member, i), "must be a name of letters, digits and ._:-"));
            } else {
                names.add(array.get(i).asText());
            }
        }
        return names;
    }
}
