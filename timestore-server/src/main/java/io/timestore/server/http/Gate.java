package io.timestore.server.http;

import io.javalin.http.Context;
import io.timestore.security.Authenticator;
import io.timestore.security.CredentialRequest;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantResolver;
import io.timestore.security.signed.SignedRequestInput;
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
    private final Authenticator authenticator;
    private final TenantResolver tenants;

    public Gate(Authenticator authenticator, TenantResolver tenants) {
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.tenants = Objects.requireNonNull(tenants, "tenants");
    }

    /** Who is calling; throws {@link io.timestore.security.AuthenticationFailure} when nobody valid is. */
    public Principal authenticate(Context ctx) {
        return authenticator.authenticate(new CredentialRequest(headerValues(ctx, "Authorization"), () -> signedInput(ctx)));
    }

    /** The security context for {@code principal}: its one tenant, checked against X-Tenant-ID and the directory. */
    public SecurityContext resolve(Context ctx, Principal principal, RequestContext request) {
        return tenants.resolve(principal, headerValues(ctx, "X-Tenant-ID"), request.requestId(), request.trace().traceId());
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
