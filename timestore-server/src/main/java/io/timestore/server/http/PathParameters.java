package io.timestore.server.http;

import io.javalin.http.Context;
import io.timestore.security.TenantId;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.List;
import java.util.UUID;

/** Path parameters that several route groups read alike, each validated or refused with 400 {@code invalid_request}. */
public final class PathParameters {
    private PathParameters() {}

    /**
     * The {@code {tenant}} of a route acting on one tenant: a platform route
     * ({@code /admin/v1/tenants/{tenant}...}) or a share's grantee
     * ({@code /storage/v1/datasets/{dataset}/shares/{tenant}}); refused with pointer {@code /tenant}.
     */
    public static TenantId tenant(Context ctx) {
        return TenantId.parse(ctx.pathParam("tenant")).orElseThrow(() -> new InvalidRequest(
                "tenant id must match ^[a-z0-9][a-z0-9-]{1,62}$", List.of(FieldError.at("/tenant", "not a tenant id"))));
    }

    /** The UUID in path parameter {@code name}; {@code refusal} is the 400's detail when it is not one. */
    public static UUID uuid(Context ctx, String name, String refusal) {
        try {
            return UUID.fromString(ctx.pathParam(name));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest(refusal);
        }
    }
}
