package io.timestore.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.Routes;
import io.timestore.server.http.SourceAddress;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.NotFound;
import io.timestore.server.problems.ProblemType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The console (docs/console.md): its static files under {@code /console/}, served without
 * credentials or audit events like the operational paths, with a strict Content-Security-Policy;
 * the development sign-in, which mints a short-lived token from the development issuer while that
 * issuer is on; and {@code whoami}, which tells any caller who it is. The pages themselves only
 * call the public API, each call authenticated and audited like any other.
 */
public final class ConsoleRoutes implements RouteGroup {
    /** Where the console lives. */
    public static final String PATH = "/console";
    static final String DEV_SIGN_IN = "/console/v1/dev-sign-in";
    static final String WHOAMI = "/admin/v1/whoami";
    private static final ApiOperation SIGN_IN = ApiOperation.read("console:dev-sign-in", "console", "token");
    private static final ApiOperation WHO = ApiOperation.read("identity:whoami", "identity", "principal");
    private static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");
    private static final Pattern ROLE = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final int MAX_ROLES = 16;
    private static final String ASSETS = PATH + "/assets/";

    /**
     * What the console offers in this server.
     *
     * @param devIssuer   the development issuer, when it is on: the development sign-in mints from it
     * @param devTokenTtl the lifetime of a development sign-in's token
     * @param oidcIssuer  the identity provider the console signs in at, with {@code clientId}
     * @param clientId    the console's OpenID Connect client id ({@code auth.console-client-id})
     */
    public record Options(Optional<DevIssuer> devIssuer, Duration devTokenTtl, Optional<URI> oidcIssuer,
                          Optional<String> clientId) {
        public Options {
            Objects.requireNonNull(devIssuer, "devIssuer");
            Objects.requireNonNull(devTokenTtl, "devTokenTtl");
            Objects.requireNonNull(oidcIssuer, "oidcIssuer");
            Objects.requireNonNull(clientId, "clientId");
            if (oidcIssuer.isPresent() != clientId.isPresent()) {
                throw new IllegalArgumentException("the console's OIDC issuer and client id go together");
            }
        }
    }

    private final ConsoleAssets assets;
    private final Options options;
    private final JsonBodies bodies;
    private final ObjectMapper json;
    private final InstantSource clock;
    private final String policy;
    private final byte[] index;

    public ConsoleRoutes(Options options, JsonBodies bodies, InstantSource clock) {
        this.assets = ConsoleAssets.load();
        this.options = options;
        this.bodies = bodies;
        this.json = bodies.mapper();
        this.clock = clock;
        this.policy = contentSecurityPolicy(options.oidcIssuer());
        this.index = page();
    }

    /**
     * No inline script or style, no eval, no framing, no plugins, no {@code <base>}; scripts,
     * styles, images and fetches from this origin only, plus fetches and form posts to the
     * identity provider's origin when OIDC sign-in is configured.
     */
    static String contentSecurityPolicy(Optional<URI> issuer) {
        var provider = issuer.map(uri -> " " + uri.getScheme() + "://" + uri.getRawAuthority()).orElse("");
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
                + "connect-src 'self'" + provider + "; form-action 'self'" + provider + "; "
                + "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
    }

    /** The Content-Security-Policy every console response carries. */
    public String policy() {
        return policy;
    }

    @Override
    public void register(Routes routes) {
        routes.site(PATH, this::securityHeaders, this::serve);
        routes.issuing(HandlerType.POST, DEV_SIGN_IN, SIGN_IN, this::issue, this::signedIn);
        routes.tenantOrPlatform(HandlerType.GET, WHOAMI, WHO, this::whoami);
    }

    private void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", policy);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Cross-Origin-Opener-Policy", "same-origin");
    }

    /** Serves the page or an asset; false for anything else, which goes on to the router. */
    private boolean serve(Context ctx) {
        var path = ctx.path();
        if (path.equals(PATH)) {
            ctx.status(308).header("Location", PATH + "/").header("Cache-Control", "no-cache");
            return true;
        }
        if (path.equals(PATH + "/") || path.equals(PATH + "/index.html")) {
            send(ctx, new ConsoleAssets.Asset("text/html; charset=utf-8", index, ConsoleAssets.gzip(index)), "no-cache");
            return true;
        }
        var prefix = ASSETS + assets.fingerprint() + "/";
        if (!path.startsWith(prefix)) {
            return false;
        }
        var asset = assets.asset(path.substring(prefix.length()));
        asset.ifPresent(found -> send(ctx, found, "public, max-age=31536000, immutable"));
        return asset.isPresent();
    }

    private static void send(Context ctx, ConsoleAssets.Asset asset, String cacheControl) {
        ctx.header("Cache-Control", cacheControl).header("Vary", "Accept-Encoding").contentType(asset.contentType());
        var accepts = ctx.header("Accept-Encoding");
        if (accepts != null && accepts.toLowerCase(java.util.Locale.ROOT).contains("gzip")) {
            ctx.header("Content-Encoding", "gzip").result(asset.gzipped());
        } else {
            ctx.result(asset.plain());
        }
    }

    private byte[] page() {
        var config = json.createObjectNode();
        config.put("dev_sign_in", options.devIssuer().isPresent());
        options.oidcIssuer().ifPresent(issuer -> config.putObject("oidc")
                .put("issuer", issuer.toString()).put("client_id", options.clientId().orElseThrow()));
        config.put("version", assets.fingerprint());
        String configJson;
        try {
            configJson = json.writeValueAsString(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return assets.indexTemplate()
                .replace("{{assets}}", ASSETS + assets.fingerprint())
                .replace("{{config}}", attribute(configJson))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Text safe inside a double-quoted HTML attribute. */
    static String attribute(String text) {
        return text.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }

    /**
     * The development sign-in's token, or the refusal: only while the development issuer is on,
     * only from this machine (a loopback source), for a subject, tenant and roles named in the body.
     */
    private String issue(Context ctx) {
        var issuer = options.devIssuer().orElseThrow(() -> new NotFound(ProblemType.DEV_SIGN_IN_UNAVAILABLE,
                "the development issuer is off (auth.dev-issuer), so there is no development sign-in; sign in with the identity provider or an API token"));
        // Through a proxy the peer may be loopback for a remote user: a forwarded request is not local.
        if (!loopback(SourceAddress.of(ctx)) || ctx.header("Forwarded") != null || ctx.header("X-Forwarded-For") != null) {
            throw new NotFound(ProblemType.DEV_SIGN_IN_UNAVAILABLE,
                    "the development sign-in answers requests from this machine only (a loopback address, not forwarded by a proxy)");
        }
        var body = bodies.object(ctx);
        var subject = text(body, "subject").orElseThrow(() -> invalid("/subject", "is required"));
        if (!SUBJECT.matcher(subject).matches()) {
            throw invalid("/subject", "must be 1 to 128 letters, digits or ._@+- starting with a letter or digit");
        }
        boolean operator = body.path("platform_operator").asBoolean(false);
        if (body.has("platform_operator") && !body.get("platform_operator").isBoolean()) {
            throw invalid("/platform_operator", "must be true or false");
        }
        var tenantText = text(body, "tenant").or(() -> operator ? Optional.of("platform") : Optional.empty())
                .orElseThrow(() -> invalid("/tenant", "is required unless platform_operator is true"));
        var tenant = TenantId.parse(tenantText).orElseThrow(() -> invalid("/tenant",
                "'%s' is not a tenant id (^[a-z0-9][a-z0-9-]{1,62}$)".formatted(tenantText)));
        var roles = new TreeSet<String>();
        var given = body.path("roles");
        if (!given.isMissingNode() && !given.isArray()) {
            throw invalid("/roles", "must be an array of role names");
        }
        for (int i = 0; i < given.size(); i++) {
            var role = given.get(i);
            if (!role.isTextual() || !ROLE.matcher(role.asText()).matches()) {
                throw invalid("/roles/" + i, "must be a role name (lower-case letters, digits, ._-)");
            }
            roles.add(role.asText());
        }
        if (operator) {
            roles.add("platform-operator");
        }
        if (roles.size() > MAX_ROLES) {
            throw invalid("/roles", "at most %d roles".formatted(MAX_ROLES));
        }
        return issuer.mint(new DevIssuer.Grant(subject, Optional.of(tenant), List.copyOf(roles), List.of(), options.devTokenTtl()));
    }

    private static InvalidRequest invalid(String pointer, String detail) {
        return new InvalidRequest("the development sign-in's body is invalid",
                List.of(InvalidRequest.FieldError.at(pointer, detail)));
    }

    private static Optional<String> text(JsonNode body, String member) {
        var node = body.get(member);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw invalid("/" + member, "must be a string");
        }
        return Optional.of(node.asText().strip()).filter(value -> !value.isEmpty());
    }

    static boolean loopback(String address) {
        try {
            return address != null && !address.isBlank() && InetAddress.ofLiteral(address).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void signedIn(Context ctx, SecurityContext security, RequestAudit audit) throws IOException {
        String token = ctx.attribute(Routes.Issuer.ISSUED);
        var expires = clock.instant().plus(options.devTokenTtl());
        audit.resource(security.principal().subject()).detail("expires_at", expires.toString());
        ObjectNode body = identity(security);
        body.put("token", token).put("token_type", "Bearer").put("expires_at", expires.toString());
        ctx.header("Cache-Control", "no-store");
        ctx.contentType("application/json").result(json.writeValueAsBytes(body));
    }

    private void whoami(Context ctx, SecurityContext security, RequestAudit audit) throws IOException {
        audit.resource(security.principal().subject());
        ctx.header("Cache-Control", "no-store");
        ctx.contentType("application/json").result(json.writeValueAsBytes(identity(security)));
    }

    /** Who the caller is: subject, kind, how it authenticated, its tenant, roles, scopes, groups. */
    private ObjectNode identity(SecurityContext security) {
        var principal = security.principal();
        var body = json.createObjectNode();
        body.put("subject", principal.subject());
        body.put("kind", principal.kind().name().toLowerCase(java.util.Locale.ROOT));
        body.put("auth_method", principal.authMethod().label());
        body.put("tenant", security.tenant().value());
        body.put("platform_operator", principal.hasRole(io.timestore.security.Principal.PLATFORM_OPERATOR_ROLE));
        sorted(body.putArray("roles"), principal.roles());
        sorted(body.putArray("scopes"), principal.scopes());
        sorted(body.putArray("groups"), principal.groups());
        return body;
    }

    private static void sorted(com.fasterxml.jackson.databind.node.ArrayNode array, java.util.Set<String> values) {
        new ArrayList<>(new TreeSet<>(values)).forEach(array::add);
    }
}
