package io.timestore.security;

import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.jwt.JwtVerifier;
import io.timestore.security.signed.CanonicalRequest;
import io.timestore.security.signed.SignedRequestVerifier;
import io.timestore.security.tokens.ApiTokenAuthenticator;
import java.util.Objects;

/**
 * Establishes who is calling (docs/architecture.md §3): routes the one {@code Authorization} header to the
 * scheme it names and returns the {@link Principal}, or throws {@link AuthenticationFailure}.
 *
 * <ul>
 *   <li>{@code Bearer <jws>} — a value of three dot-separated parts — to the {@link JwtVerifier};</li>
 *   <li>{@code Bearer <other>} and {@code Token <token>} (InfluxDB clients) to the
 *       {@link ApiTokenAuthenticator};</li>
 *   <li>{@code TS1-HMAC-SHA256 ...} to the {@link SignedRequestVerifier}.</li>
 * </ul>
 * No header: {@code credentials_missing}. Several headers, an unknown scheme or an empty value:
 * {@code credentials_malformed}. Scheme names are case-insensitive (RFC 9110 §11.1).
 *
 * <p>Tenant resolution is the {@link TenantResolver}'s job, after this. Thread-safe.
 */
public final class Authenticator {
    private final JwtVerifier jwt;
    private final ApiTokenAuthenticator apiTokens;
    private final SignedRequestVerifier signedRequests;

    public Authenticator(JwtVerifier jwt, ApiTokenAuthenticator apiTokens, SignedRequestVerifier signedRequests) {
        this.jwt = Objects.requireNonNull(jwt, "jwt");
        this.apiTokens = Objects.requireNonNull(apiTokens, "apiTokens");
        this.signedRequests = Objects.requireNonNull(signedRequests, "signedRequests");
    }

    /**
     * @return the authenticated principal; never null
     * @throws AuthenticationFailure when the request carries no valid credential
     */
    public Principal authenticate(CredentialRequest request) {
        if (request.authorization().isEmpty()) {
            throw new AuthenticationFailure(Reason.CREDENTIALS_MISSING, "the request carries no credentials");
        }
        if (request.authorization().size() > 1) {
            throw new AuthenticationFailure(Reason.CREDENTIALS_MALFORMED, "send exactly one Authorization header");
        }
        String header = request.authorization().getFirst().strip();
        int space = header.indexOf(' ');
        if (space <= 0) {
            throw new AuthenticationFailure(Reason.CREDENTIALS_MALFORMED, "Authorization must be '<scheme> <credentials>'");
        }
        String scheme = header.substring(0, space);
        String credentials = header.substring(space + 1).strip();
        if (credentials.isEmpty()) {
            throw new AuthenticationFailure(Reason.CREDENTIALS_MALFORMED, "Authorization carries an empty credential");
        }
        if (scheme.equalsIgnoreCase("Bearer")) {
            return looksLikeJws(credentials) ? jwt.verify(credentials) : apiTokens.authenticate(credentials);
        }
        if (scheme.equalsIgnoreCase("Token")) {
            return apiTokens.authenticate(credentials);
        }
        if (scheme.equalsIgnoreCase(CanonicalRequest.ALGORITHM)) {
            return signedRequests.verify(credentials, request.signedRequest().get());
        }
        throw new AuthenticationFailure(Reason.CREDENTIALS_MALFORMED,
                "Authorization scheme must be Bearer, Token or TS1-HMAC-SHA256");
    }

    /** A compact JWS has exactly two dots; API tokens have none. */
    private static boolean looksLikeJws(String credentials) {
        int first = credentials.indexOf('.');
        return first >= 0 && credentials.indexOf('.', first + 1) >= 0;
    }
}
