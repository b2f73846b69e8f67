package io.timestore.server.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import io.timestore.server.auditing.ApiOperation;

/**
 * Where route groups register their handlers. There are two kinds: API routes, always
 * authenticated and audited ({@link #api}), and the fixed set of operational paths
 * ({@link #operational}). Every route is recorded, so tests and metrics can enumerate them.
 */
public final class Routes {
    /** The only routes without authentication or audit events (DESIGN.md §8). */
    public static final Set<String> OPERATIONAL_PATHS = Set.of("/healthz", "/readyz", "/metrics", "/openapi.yaml");

    private final RoutesConfig javalin;
    private final AuditStep auditStep;
    private final Gate gate;
    private final long maxRequestBytes;
    private final List<Route> registered = new ArrayList<>();

    Routes(RoutesConfig javalin, AuditStep auditStep, Gate gate, long maxRequestBytes) {
        this.javalin = javalin;
        this.auditStep = auditStep;
        this.gate = gate;
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * Registers an API route: every request is admitted by the gate (one principal, one tenant),
     * handled, and leaves exactly one audit event, whatever its outcome.
     */
    public void api(HandlerType method, String path, ApiOperation operation, SecuredHandler handler) {
        add(method, path, ctx -> auditStep.run(ctx, operation, gate, withinDeclaredLimit(handler)), false);
    }

    /**
     * Registers a platform route (tenant administration): authenticated and audited like every
     * API route, but not bound to a tenant the caller names; see {@link AuditStep#runPlatform}.
     */
    public void platform(HandlerType method, String path, ApiOperation operation, SecuredHandler handler) {
        add(method, path, ctx -> auditStep.runPlatform(ctx, operation, gate, withinDeclaredLimit(handler)), false);
    }

    /**
     * Refuses a body whose Content-Length is over the limit before anything reads it: the 413
     * goes out at once, and a client waiting for {@code 100 Continue} never sends the body. A
     * body without a declared length (chunked) is held to the limit while it is read.
     */
    private SecuredHandler withinDeclaredLimit(SecuredHandler handler) {
        return (ctx, security, audit) -> {
            long declared = ctx.req().getContentLengthLong();
            if (declared > maxRequestBytes) {
                throw new InvalidRequest(ProblemType.PAYLOAD_TOO_LARGE,
                        "the body has %d bytes; at most %d are accepted".formatted(declared, maxRequestBytes));
            }
            handler.handle(ctx, security, audit);
        };
    }

    /**
     * Registers a route of the audit trail's reads: a platform operator (JWT) that names no tenant
     * with X-Tenant-ID acts on the platform, as on {@link #platform} routes, and its event goes to
     * the platform partition; everyone else, and an operator naming a tenant, as on {@link #api}
     * routes. See {@link AuditStep#runTenantOrPlatform}.
     */
    public void tenantOrPlatform(HandlerType method, String path, ApiOperation operation, SecuredHandler handler) {
        add(method, path, ctx -> auditStep.runTenantOrPlatform(ctx, operation, gate, handler), false);
    }

    /** Registers a GET on one of {@link #OPERATIONAL_PATHS}; anything else is a programming error. */
    public void operational(String path, Handler handler) {
        if (!OPERATIONAL_PATHS.contains(path)) {
            throw new IllegalArgumentException(path + " is not an operational path; only " + OPERATIONAL_PATHS + " are");
        }
        add(HandlerType.GET, path, handler, true);
    }

    List<Route> registered() {
        return List.copyOf(registered);
    }

    private void add(HandlerType method, String path, Handler handler, boolean operational) {
        javalin.addHttpHandler(method, path, handler);
        registered.add(new Route(method.name(), path, operational));
    }
}
