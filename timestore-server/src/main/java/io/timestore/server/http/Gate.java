package io.timestore.server.http;

import io.javalin.http.Context;
import io.timestore.security.Authenticator;
import io.timestore.security.CredentialRequest;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantResolver;
import io.timestore.security.authz.LegacyPrincipals;
import io.timestore.security.signed.SignedRequestInput;
import io.timestore.server.auditing.ApiOperation;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Admits a request: authenticates its one credential and resolves exactly one tenant (G1),
 * before any handler runs. Adapts Javalin's request to the security library's neutral types.
 */
public final class Gate {
    /** The action of exactly the ingestion routes (JSON points and line protocol), docs/architecture.md §8. */
    private static final String INGEST_ACTION = "dataset:write";

    private final Authenticator authenticator;
    private final TenantResolver tenants;
    private final boolean anonymousIngest;
    private final SecurityTelemetry telemetry;
    private final AuthenticationBlocks blocks;
    private final RequestLimits limits;

    public Gate(Authenticator authenticator, TenantResolver tenants) {
        this(authenticator, tenants, false);
    }

    /**
     * @param anonymousIngest {@code auth.mode=legacy} with {@code auth.legacy.unauthenticated-ingest=true}:
     *                        an ingestion request without credentials is admitted as
     *                        {@link LegacyPrincipals#anonymous()} (tenant from X-Tenant-ID); the
     *                        authorizer then decides it under the legacy ingestion rule
     */
    public Gate(Authenticator authenticator, TenantResolver tenants, boolean anonymousIngest) {
        this(authenticator, tenants, anonymousIngest, SecurityTelemetry.none());
    }

    /** As above, with spans for authentication and tenant resolution and a count of refusals. */
    public Gate(Authenticator authenticator, TenantResolver tenants, boolean anonymousIngest, SecurityTelemetry telemetry) {
        this(authenticator, tenants, anonymousIngest, telemetry, AuthenticationBlocks.none());
    }

    /**
     * As above, refusing blocked source addresses and credentials before anything else runs, and
     * counting authentication failures towards blocks (docs/security.md, "Automatic blocking").
     */
    public Gate(Authenticator authenticator, TenantResolver tenants, boolean anonymousIngest, SecurityTelemetry telemetry,
                AuthenticationBlocks blocks) {
        this(authenticator, tenants, anonymousIngest, telemetry, blocks, RequestLimits.none());
    }

    /**
     * As above, holding every request admitted to a tenant to the tenant's and the credential's
     * request rate limits (docs/security.md, "Rate limits and quotas").
     */
    public Gate(Authenticator authenticator, TenantResolver tenants, boolean anonymousIngest, SecurityTelemetry telemetry,
                AuthenticationBlocks blocks, RequestLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.blocks = Objects.requireNonNull(blocks, "blocks");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.anonymousIngest = anonymousIngest;
        this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
    }

    /** Who is calling; throws {@link io.timestore.security.AuthenticationFailure} when nobody valid is. */
    public Principal authenticate(Context ctx) {
        return authenticate(ctx, principal -> { });
    }

    /**
     * As {@link #authenticate(Context)}, telling {@code authenticated} who called as soon as that
     * is known: before a blocked credential is refused, so its refusal is recorded with its actor.
     */
    public Principal authenticate(Context ctx, java.util.function.Consumer<Principal> authenticated) {
        var source = SourceAddress.of(ctx);
        blocks.admitSource(source);
        Principal principal;
        try {
            principal = telemetry.authenticate(ctx, () ->
                    authenticator.authenticate(new CredentialRequest(credentials(ctx), () -> signedInput(ctx))));
        } catch (io.timestore.security.AuthenticationFailure failure) {
            blocks.failed(source, failure);
            throw failure;
        }
        authenticated.accept(principal);
        blocks.admitCredential(principal);
        return principal;
    }

    /**
     * Authenticates a token this server has just issued for the request (the console's
     * development sign-in): the source address is held to its block like any caller's, and the
     * token is verified by the same authenticator as any presented credential, so what the
     * request is admitted as is exactly what the token will be worth.
     */
    public Principal authenticateIssued(Context ctx, String bearerToken, java.util.function.Consumer<Principal> authenticated) {
        blocks.admitSource(SourceAddress.of(ctx));
        var principal = telemetry.authenticate(ctx, () ->
                authenticator.authenticate(CredentialRequest.ofAuthorization(List.of("Bearer " + bearerToken))));
        authenticated.accept(principal);
        blocks.admitCredential(principal);
        return principal;
    }

    /**
     * The request's Authorization values. On InfluxDB 1.x's routes ({@code /query}, {@code /write})
     * also the credentials InfluxDB 1.x clients send: {@code Basic} with the token (API token or
     * JWT) as the password, or, without any Authorization header, the query parameter {@code p}
     * (the token; {@code u}, the user name, is ignored). Both become {@code Bearer <token>}.
     */
    private static List<String> credentials(Context ctx) {
        var values = headerValues(ctx, "Authorization");
        if (!Problems.INFLUXDB_V1_PATHS.contains(ctx.path())) {
            return values;
        }
        if (values.isEmpty()) {
            var password = ctx.queryParams("p");
            return password.size() == 1 && !password.getFirst().isEmpty() ? List.of("Bearer " + password.getFirst()) : values;
        }
        return values.stream().map(Gate::basicAsBearer).toList();
    }

    private static String basicAsBearer(String value) {
        if (value.length() < 6 || !value.regionMatches(true, 0, "Basic ", 0, 6)) {
            return value;
        }
        String decoded;
        try {
            decoded = new String(java.util.Base64.getDecoder().decode(value.substring(6).strip()), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return value; // not Base64: the authenticator refuses the Basic scheme as malformed
        }
        int colon = decoded.indexOf(':');
        return colon < 0 || colon == decoded.length() - 1 ? value : "Bearer " + decoded.substring(colon + 1);
    }

    /**
     * Who is calling a route of {@code operation}: as {@link #authenticate(Context)}, except that an
     * ingestion request carrying no Authorization header at all is the legacy anonymous principal
     * when unauthenticated ingestion is enabled. A request that sends a credential is always held
     * to it: a bad credential is 401, never a fallback to anonymous.
     */
    public Principal authenticate(Context ctx, ApiOperation operation) {
        return authenticate(ctx, operation, principal -> { });
    }

    /** As {@link #authenticate(Context, ApiOperation)}, telling {@code authenticated} as {@link #authenticate(Context, java.util.function.Consumer)} does. */
    public Principal authenticate(Context ctx, ApiOperation operation, java.util.function.Consumer<Principal> authenticated) {
        if (anonymousIngest && INGEST_ACTION.equals(operation.action()) && credentials(ctx).isEmpty()) {
            blocks.admitSource(SourceAddress.of(ctx));
            var anonymous = LegacyPrincipals.anonymous();
            authenticated.accept(anonymous);
            return anonymous;
        }
        return authenticate(ctx, authenticated);
    }

    /** The security context for {@code principal}: its one tenant, checked against X-Tenant-ID and the directory. */
    public SecurityContext resolve(Context ctx, Principal principal, RequestContext request) {
        return telemetry.resolveTenant(ctx, () ->
                tenants.resolve(principal, headerValues(ctx, "X-Tenant-ID"), request.requestId(), request.trace().traceId()));
    }

    /**
     * Takes one request of {@code security}'s tenant and credential from their rate limits; throws
     * {@link io.timestore.server.problems.LimitExceeded} when either is exhausted. Called once the
     * request's audit knows its tenant and actor, so the refusal is recorded in the tenant's trail.
     */
    public void limit(SecurityContext security) {
        limits.admit(security);
    }

    /**
     * Whether a request to a route platform operators may call on the platform as a whole acts on
     * the platform: a platform operator's JWT without X-Tenant-ID ({@link TenantResolver#actsOnPlatform}).
     */
    public boolean actsOnPlatform(Context ctx, Principal principal) {
        return tenants.actsOnPlatform(principal, headerValues(ctx, "X-Tenant-ID"));
    }

    /**
     * The context of a platform request: the principal acts on the platform, not on a tenant it
     * names; its own tenant claim (or "platform") fills the context's tenant slot. Whether it may
     * act at all is the authorizer's {@code tenant:admin} decision, which only JWT platform
     * operators pass.
     */
    public SecurityContext platform(Principal principal, RequestContext request) {
        var home = principal.tenantClaim().orElse(PLATFORM);
        return new SecurityContext(principal, home, request.requestId(), request.trace().traceId(), false, java.util.Optional.empty());
    }

    private static final io.timestore.security.TenantId PLATFORM = new io.timestore.security.TenantId("platform");

    private static SignedRequestInput signedInput(Context ctx) {
        var headers = new LinkedHashMap<String, List<String>>();
        for (var name : Collections.list(ctx.req().getHeaderNames())) {
            headers.put(name, Collections.list(ctx.req().getHeaders(name)));
        }
        return new SignedRequestInput(ctx.method().name(), ctx.req().getRequestURI(), ctx.req().getQueryString(),
                Map.copyOf(headers), SignedRequestInput.sha256Hex(ctx.bodyAsBytes()));
    }

    static List<String> headerValues(Context ctx, String name) {
        return Collections.list(ctx.req().getHeaders(name));
    }
}
