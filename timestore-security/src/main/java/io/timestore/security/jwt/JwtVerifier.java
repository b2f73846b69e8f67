package io.timestore.security.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.Principal;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies JWT bearer tokens (docs/architecture.md §5) and turns them into {@link Principal}s.
 *
 * <p>A token is accepted only if, in this order: it is at most {@code maxTokenBytes} long; it is a
 * compact JWS of three strict base64url parts with a non-empty signature; header and payload are
 * JSON objects without duplicate member names; {@code alg} is RS256, ES256 or EdDSA ({@code none}
 * and HMAC are refused); the header carries none of {@code jku}, {@code x5u}, {@code jwk},
 * {@code x5c}, {@code crit} (keys are only ever taken from the configuration or the configured
 * JWKS URL); {@code iss} equals a trusted issuer; {@code kid} names a key of that issuer whose
 * type fits {@code alg}; the signature verifies; and the {@link ClaimRules} pass.
 *
 * <p>Verified tokens are cached by their SHA-256 until expiry, so a repeated token costs a hash
 * and a map lookup. Thread-safe; one instance per process.
 */
public final class JwtVerifier {
    private static final Set<JWSAlgorithm> ALLOWED_ALGORITHMS =
            Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);
    /** Header parameters that would let the token choose its own key, or demand unknown processing. */
    private static final Set<String> FORBIDDEN_HEADERS = Set.of("jku", "x5u", "jwk", "x5c", "crit");

    private final JwtSettings settings;
    private final InstantSource clock;
    private final Map<String, IssuerKeys> issuers;
    private final ClaimRules rules;
    private final TokenCache cache;
    private final java.util.concurrent.atomic.LongAdder cacheHits = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder cacheMisses = new java.util.concurrent.atomic.LongAdder();

    /** A verifier whose JWKS sources share one {@link HttpClient} that never follows redirects. */
    public JwtVerifier(JwtSettings settings, InstantSource clock) {
        this(settings, clock, HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(java.time.Duration.ofSeconds(5))
                .build());
    }

    /**
     * @param http the client used for JWKS fetches (the server may share one); it should not
     *             follow redirects, so a compromised JWKS host cannot point elsewhere
     * @throws IllegalArgumentException when a configured key set is unusable
     */
    public JwtVerifier(JwtSettings settings, InstantSource clock, HttpClient http) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(http, "http");
        var byIssuer = new HashMap<String, IssuerKeys>();
        for (TrustedIssuer issuer : settings.issuers()) {
            byIssuer.put(issuer.issuer(), switch (issuer.keys()) {
                case KeySource.Jwks jwks -> new RemoteJwks(jwks, http, clock);
                case KeySource.Keys keys -> new StaticIssuerKeys(issuer.issuer(), keys, clock.instant());
                case KeySource.Supplied supplied -> new SuppliedIssuerKeys(issuer.issuer(), supplied, clock);
            });
        }
        this.issuers = Map.copyOf(byIssuer);
        this.rules = new ClaimRules(settings);
        this.cache = new TokenCache(settings.cacheMaxEntries());
    }

    /**
     * Verifies {@code token} (the part after {@code Bearer }).
     *
     * @return the principal, with {@link io.timestore.security.AuthMethod#JWT}; never null
     * @throws AuthenticationFailure for every refusal
     */
    public Principal verify(String token) {
        Objects.requireNonNull(token, "token");
        if (token.length() > settings.maxTokenBytes()) {
            throw new AuthenticationFailure(Reason.TOKEN_TOO_LARGE,
                    "tokens may be at most " + settings.maxTokenBytes() + " bytes");
        }
        Instant now = clock.instant();
        TokenCache.Digest digest = TokenCache.Digest.of(token);
        Optional<Principal> cached = cache.find(digest, now);
        if (cached.isPresent()) {
            cacheHits.increment();
            return cached.get();
        }
        cacheMisses.increment();
        ClaimRules.Verified verified = verifyUncached(token, now);
        cache.put(digest, verified.principal(), verified.validUntil(), now);
        return verified.principal();
    }

    private ClaimRules.Verified verifyUncached(String token, Instant now) {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (second < 0 || token.indexOf('.', second + 1) >= 0) {
            throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token must be a JWS of three dot-separated parts");
        }
        // Header rules come first, so "alg: none" is named as such even though such tokens
        // usually also have an empty signature.
        Map<String, Object> header = header(strictJson(token, 0, first, "header"));
        JWSAlgorithm algorithm = requireAllowedAlgorithm(header);
        for (String name : FORBIDDEN_HEADERS) {
            if (header.containsKey(name)) {
                throw new AuthenticationFailure(Reason.HEADER_NOT_ALLOWED, "the token header must not carry " + name);
            }
        }
        if (second == token.length() - 1) {
            throw new AuthenticationFailure(Reason.SIGNATURE_INVALID, "the token's signature is empty");
        }
        strictJson(token, first + 1, second, "payload");
        requireBase64Url(token, second + 1, token.length(), "signature");

        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token is not a well-formed JWT");
        }
        IssuerKeys keys = claims.getIssuer() == null ? null : issuers.get(claims.getIssuer());
        if (keys == null) {
            throw new AuthenticationFailure(Reason.ISSUER_UNTRUSTED, "the token's issuer is not trusted");
        }
        KeySet.VerificationKey key = keys.find(jwt.getHeader().getKeyID(), algorithm);
        boolean valid;
        try {
            valid = key.verifier().verify(jwt.getHeader(), jwt.getSigningInput(), jwt.getSignature());
        } catch (JOSEException e) {
            valid = false;
        }
        if (!valid) {
            throw new AuthenticationFailure(Reason.SIGNATURE_INVALID, "the token's signature does not verify");
        }
        try {
            return rules.apply(claims, now);
        } catch (AuthenticationFailure refused) {
            // The signature verified, so the sub is the issuer's word: the failure is held against it.
            // Before this point the sub is whatever the sender wrote and is never attributed.
            throw claims.getClaim("sub") instanceof String sub && !sub.isBlank()
                    ? refused.against(io.timestore.security.AuthMethod.JWT, sub)
                    : refused;
        }
    }

    private static Map<String, Object> header(String json) {
        try {
            return JSONObjectUtils.parse(json);
        } catch (ParseException e) {
            throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token header is not a JSON object");
        }
    }

    private static String strictJson(String token, int from, int to, String part) {
        requireBase64Url(token, from, to, part);
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(token.substring(from, to));
            String json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            StrictJson.requireObjectWithoutDuplicates(json);
            return json;
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw new AuthenticationFailure(Reason.TOKEN_INVALID,
                    "the token " + part + " must be a JSON object without duplicate member names");
        }
    }

    private static void requireBase64Url(String token, int from, int to, String part) {
        if (from == to) {
            throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token " + part + " is empty");
        }
        for (int i = from; i < to; i++) {
            char c = token.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token " + part + " is not unpadded base64url");
            }
        }
    }

    private static JWSAlgorithm requireAllowedAlgorithm(Map<String, Object> header) {
        if (header.get("alg") instanceof String name) {
            JWSAlgorithm algorithm = JWSAlgorithm.parse(name);
            if (ALLOWED_ALGORITHMS.contains(algorithm)) {
                return algorithm;
            }
        }
        throw new AuthenticationFailure(Reason.ALGORITHM_NOT_ALLOWED, "the token's alg must be one of RS256, ES256, EdDSA");
    }

    /** How many verified tokens are cached; for tests and metrics. */
    public int cachedTokens() {
        return cache.size();
    }

    /** JWKS documents fetched (refreshes, including refetches for unknown key ids) since start; for metrics. */
    public long jwksFetches() {
        long total = 0;
        for (IssuerKeys keys : issuers.values()) {
            total += keys.fetches();
        }
        return total;
    }

    /** Verifications answered from the cache since start; for metrics. */
    public long cacheHits() {
        return cacheHits.sum();
    }

    /** Verifications that missed the cache (and were verified in full, or refused) since start; for metrics. */
    public long cacheMisses() {
        return cacheMisses.sum();
    }
}
