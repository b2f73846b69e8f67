package io.timestore.server.config;

import io.timestore.security.authz.AuthorizationSettings;
import io.timestore.security.jwt.ClaimNames;
import io.timestore.security.jwt.JwtSettings;
import io.timestore.security.jwt.MachineTokenRule;
import io.timestore.security.jwt.TrustedIssuer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Identity settings (docs/architecture.md §5).
 *
 * @param authorization       mode (strict or legacy), legacy rules, role and scope mapping (docs/architecture.md §6)
 * @param issuers             identity providers whose JWTs are accepted
 * @param audience            the {@code aud} every JWT must carry
 * @param claims              which claims carry tenant, roles, scopes, groups, client id
 * @param userMaxLifetime     the longest accepted {@code exp - iat} of user tokens
 * @param machineMaxLifetime  the same for machine-to-machine tokens
 * @param clockSkew           tolerance on {@code exp}, {@code nbf}, {@code iat}
 * @param devIssuer           the local development issuer: on, off, or auto (on exactly when the
 *                            database is embedded and no issuer is configured)
 * @param tokenDefaultTtl     API token lifetime when the request names none
 * @param tokenMaxTtl         the longest API token lifetime accepted
 * @param signedRequestWindow how far a signed request's date may be from the server's clock
 * @param caches              sizes and expiry of the JWT, dataset-access and tenant-status caches
 * @param blocking            automatic blocking after repeated authentication failures
 * @param consoleClientId     the console's OpenID Connect client id (a public client using PKCE) at
 *                            the first configured issuer; empty: the console offers no OIDC sign-in
 */
public record AuthSettings(AuthorizationSettings authorization, List<TrustedIssuer> issuers, String audience, ClaimNames claims,
                           Duration userMaxLifetime, Duration machineMaxLifetime, Duration clockSkew,
                           DevIssuer devIssuer, Duration tokenDefaultTtl, Duration tokenMaxTtl,
                           Duration signedRequestWindow, AuthCaches caches, BlockingSettings blocking,
                           java.util.Optional<String> consoleClientId) {
    /**
     * The largest JWT accepted: real tokens with many roles stay under 4 KiB, and a bound keeps
     * parsing and hashing of hostile input cheap.
     */
    public static final int MAX_JWT_BYTES = 8 * 1024;
    /**
     * How often the last-use times of API tokens are written, in one transaction for all tokens
     * used since the previous write: {@code last_used_at} is advisory (it answers "is this token
     * still in use?"), so being a few seconds late costs nothing, and it spares the database one
     * write per authenticated request.
     */
    public static final Duration TOKEN_LAST_USED_FLUSH = Duration.ofSeconds(5);

    public enum DevIssuer { AUTO, ON, OFF }

    public AuthSettings {
        Objects.requireNonNull(authorization, "authorization");
        issuers = List.copyOf(issuers);
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(claims, "claims");
        Objects.requireNonNull(devIssuer, "devIssuer");
        Objects.requireNonNull(tokenDefaultTtl, "tokenDefaultTtl");
        Objects.requireNonNull(tokenMaxTtl, "tokenMaxTtl");
        Objects.requireNonNull(signedRequestWindow, "signedRequestWindow");
        Objects.requireNonNull(caches, "caches");
        Objects.requireNonNull(blocking, "blocking");
        Objects.requireNonNull(consoleClientId, "consoleClientId");
    }

    /** Whether the development issuer is trusted, given whether the database is embedded. */
    public boolean devIssuerEnabled(boolean embeddedDatabase) {
        return switch (devIssuer) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> embeddedDatabase && issuers.isEmpty();
        };
    }

    public AuthSettings withIssuers(List<TrustedIssuer> replacement) {
        return new AuthSettings(authorization, replacement, audience, claims, userMaxLifetime, machineMaxLifetime, clockSkew,
                devIssuer, tokenDefaultTtl, tokenMaxTtl, signedRequestWindow, caches, blocking, consoleClientId);
    }

    public AuthSettings withAuthorization(AuthorizationSettings replacement) {
        return new AuthSettings(replacement, issuers, audience, claims, userMaxLifetime, machineMaxLifetime, clockSkew,
                devIssuer, tokenDefaultTtl, tokenMaxTtl, signedRequestWindow, caches, blocking, consoleClientId);
    }

    public AuthSettings withDevIssuer(DevIssuer replacement) {
        return new AuthSettings(authorization, issuers, audience, claims, userMaxLifetime, machineMaxLifetime, clockSkew,
                replacement, tokenDefaultTtl, tokenMaxTtl, signedRequestWindow, caches, blocking, consoleClientId);
    }

    public AuthSettings withCaches(AuthCaches replacement) {
        return new AuthSettings(authorization, issuers, audience, claims, userMaxLifetime, machineMaxLifetime, clockSkew,
                devIssuer, tokenDefaultTtl, tokenMaxTtl, signedRequestWindow, replacement, blocking, consoleClientId);
    }

    /** The verifier's settings, trusting the configured issuers plus {@code extra} (the dev issuer). */
    public JwtSettings jwt(List<TrustedIssuer> extra) {
        var all = new ArrayList<>(issuers);
        all.addAll(extra);
        return new JwtSettings(all, audience, claims, MachineTokenRule.defaults(), true, userMaxLifetime,
                machineMaxLifetime, clockSkew, MAX_JWT_BYTES, caches.jwtMaxEntries());
    }

    public AuthSettings withConsoleClientId(java.util.Optional<String> replacement) {
        return new AuthSettings(authorization, issuers, audience, claims, userMaxLifetime, machineMaxLifetime, clockSkew,
                devIssuer, tokenDefaultTtl, tokenMaxTtl, signedRequestWindow, caches, blocking, replacement);
    }

    public AuthSettings withBlocking(BlockingSettings replacement) {
        return new AuthSettings(authorization, issuers, audience, claims, userMaxLifetime, machineMaxLifetime, clockSkew,
                devIssuer, tokenDefaultTtl, tokenMaxTtl, signedRequestWindow, caches, replacement, consoleClientId);
    }
}
