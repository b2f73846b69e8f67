package io.timestore.server.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.http.CreationPages;
import io.timestore.server.http.CursorScope;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.Listing;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The handlers every credential kind's routes share once the caller's permission is checked:
 * the list (newest first, the shared creation cursor) and revocation by id.
 */
public final class CredentialRoutes<T extends ListedCredential> {
    private final CredentialLifecycle<T> lifecycle;
    private final JsonBodies bodies;
    private final Cursors cursors;
    private final Listing listing;
    private final String idLabel;
    private final Pattern idFormat;
    private final String idRule;

    /**
     * @param idLabel  how an id of this kind is called in messages, e.g. {@code "token id"}
     * @param idFormat what an id of this kind looks like; any other path id is a 400
     * @param idRule   {@code idFormat} in words, e.g. {@code "24 lower-case hex characters"}
     */
    public CredentialRoutes(CredentialLifecycle<T> lifecycle, JsonBodies bodies, Cursors cursors, Listing listing,
                            String idLabel, Pattern idFormat, String idRule) {
        this.lifecycle = lifecycle;
        this.bodies = bodies;
        this.cursors = cursors;
        this.listing = listing;
        this.idLabel = idLabel;
        this.idFormat = idFormat;
        this.idRule = idRule;
    }

    /** Sends the page the request asks for, each item rendered by {@code render}. */
    public void list(Context ctx, SecurityContext security, RequestAudit audit, Function<T, JsonNode> render) {
        var page = CreationPages.read(ctx, cursors, bodies.mapper(), CursorScope.of(listing, security.tenant().value()),
                (afterCreatedAt, afterId, limit) -> lifecycle.list(security, afterCreatedAt, afterId, limit), render);
        audit.detail("returned", page.returned());
        ctx.json(page.body());
    }

    /** Revokes the credential named by the {@code {id}} path parameter: 204, also when it already was. */
    public void revoke(Context ctx, SecurityContext security, RequestAudit audit) {
        var id = ctx.pathParam("id");
        if (!idFormat.matcher(id).matches()) {
            throw new InvalidRequest("%s must be %s".formatted(idLabel, idRule),
                    List.of(FieldError.at("/id", "expected " + idRule)));
        }
        lifecycle.revoke(security, audit, id);
        ctx.status(204);
    }
}
