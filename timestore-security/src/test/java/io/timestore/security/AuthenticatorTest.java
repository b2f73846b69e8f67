package io.timestore.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.jwt.JwtSettings;
import io.timestore.security.jwt.JwtVerifier;
import io.timestore.security.jwt.KeySource;
import io.timestore.security.jwt.TrustedIssuer;
import io.timestore.security.signed.SignedRequestInput;
import io.timestore.security.signed.SignedRequestSigner;
import io.timestore.security.signed.SignedRequestVerifier;
import io.timestore.security.signed.SigningKey;
import io.timestore.security.tokens.ApiTokenAuthenticator;
import io.timestore.security.tokens.ApiTokens;
import io.timestore.security.tokens.MintedApiToken;
import io.timestore.security.tokens.StoredApiToken;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.threeten.extra.MutableClock;

/** The facade with its three real verifiers, followed by tenant resolution: what the server wires. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthenticatorTest {
    private static final Instant NOW = Instant.parse("2026-01-15T12:00:00Z");
    private static final String ISSUER = "https://idp.example.test";
    private static final byte[] SIGNING_SECRET = "a-signing-secret-of-at-least-32-bytes!!".getBytes(StandardCharsets.US_ASCII);

    private final MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
    private final OctetKeyPair idpKey;
    private final ApiTokens apiTokens = new ApiTokens("pepper-pepper-pepper-pepper-pepper".getBytes(StandardCharsets.US_ASCII), new SecureRandom());
    private final Map<String, StoredApiToken> tokenTable = new ConcurrentHashMap<>();
    private final Map<String, Instant> nonces = new ConcurrentHashMap<>();
    private final Authenticator authenticator;
    private final TenantResolver tenants = new TenantResolver(t -> TenantStatus.ACTIVE);
    private final MintedApiToken acmeToken;

    AuthenticatorTest() throws Exception {
        idpKey = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ed").generate();
        var jwt = new JwtVerifier(JwtSettings.defaults(
                List.of(new TrustedIssuer(ISSUER, new KeySource.Keys(new JWKSet(idpKey).toPublicJWKSet().toString()))),
                "timestore-api"), clock);
        var tokens = new ApiTokenAuthenticator(apiTokens, id -> Optional.ofNullable(tokenTable.get(id)), (id, at) -> {}, clock);
        var key = new SigningKey("svc-1", new TenantId("acme"), SIGNING_SECRET, Set.of("runtime-writer"), Set.of(), Instant.parse("2999-01-01T00:00:00Z"), false);
        var signed = new SignedRequestVerifier(id -> Optional.of(key).filter(k -> k.keyId().equals(id)),
                (id, nonce, until) -> nonces.putIfAbsent(id + nonce, until) == null, clock, SignedRequestVerifier.DEFAULT_WINDOW);
        authenticator = new Authenticator(jwt, tokens, signed);
        acmeToken = apiTokens.mint();
        tokenTable.put(acmeToken.id(), new StoredApiToken(acmeToken.id(), new TenantId("acme"), "ci", acmeToken.hash(),
                List.of(TokenPermission.onAllDatasets("dataset:read")), NOW.plus(Duration.ofDays(90)), false));
    }

    private String jwt(String tenant) throws Exception {
        var claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject("alice").audience("timestore-api")
                .issueTime(Date.from(NOW)).expirationTime(Date.from(NOW.plusSeconds(300)))
                .claim("tenant_id", tenant).claim("roles", List.of("reader")).build();
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID("ed").build(), claims);
        jwt.sign(new Ed25519Signer(idpKey));
        return jwt.serialize();
    }

    private CredentialRequest signedRequest(String tenantHeader) {
        var headers = new LinkedHashMap<String, List<String>>();
        headers.put("Host", List.of("timestore.internal"));
        headers.put("X-TS-Date", List.of("20260115T120000Z"));
        headers.put("X-TS-Nonce", List.of("nonce-" + tenantHeader + "-0000000000"));
        headers.put("X-Tenant-ID", List.of(tenantHeader));
        var input = new SignedRequestInput("GET", "/storage/v1/datasets", "", headers, SignedRequestInput.sha256Hex(new byte[0]));
        String authorization = SignedRequestSigner.authorization(input, "svc-1", SIGNING_SECRET, List.of());
        return new CredentialRequest(List.of(authorization), () -> input);
    }

    private static CredentialRequest auth(String... values) {
        return CredentialRequest.ofAuthorization(List.of(values));
    }

    Stream<Arguments> refusals() throws Exception {
        return Stream.of(
                Arguments.of("no credentials", auth(), List.of(), Reason.CREDENTIALS_MISSING),
                Arguments.of("two Authorization headers", auth("Bearer " + jwt("acme"), "Token " + acmeToken.token()), List.of(), Reason.CREDENTIALS_MALFORMED),
                Arguments.of("Basic scheme", auth("Basic YWxpY2U6c2VjcmV0"), List.of(), Reason.CREDENTIALS_MALFORMED),
                Arguments.of("Bearer without a value", auth("Bearer"), List.of(), Reason.CREDENTIALS_MALFORMED),
                Arguments.of("Bearer with blanks only", auth("Bearer    "), List.of(), Reason.CREDENTIALS_MALFORMED),
                Arguments.of("unknown API token", auth("Bearer " + apiTokens.mint().token()), List.of(), Reason.TOKEN_INVALID),
                Arguments.of("JWT of acme with X-Tenant-ID globex", auth("Bearer " + jwt("acme")), List.of("globex"), Reason.TENANT_MISMATCH),
                Arguments.of("JWT with repeated X-Tenant-ID", auth("Bearer " + jwt("acme")), List.of("acme", "acme"), Reason.TENANT_AMBIGUOUS),
                Arguments.of("API token of acme with X-Tenant-ID globex", auth("Token " + acmeToken.token()), List.of("globex"), Reason.TENANT_MISMATCH),
                Arguments.of("signed request of acme's key with X-Tenant-ID globex", signedRequest("globex"), List.of("globex"), Reason.TENANT_MISMATCH));
    }

    @ParameterizedTest(name = "{0} is refused with {3}")
    @MethodSource("refusals")
    void requests_are_refused_before_any_business_logic(String name, CredentialRequest request, List<String> tenantHeader, Reason expected) {
        var failure = assertThrows(AuthenticationFailure.class,
                () -> tenants.resolve(authenticator.authenticate(request), tenantHeader, "r", "t"));

        assertThat(failure.reason()).as(name).isEqualTo(expected);
    }

    @Test
    void bearer_jws_goes_to_the_jwt_verifier_whatever_the_scheme_case() throws Exception {
        assertThat(authenticator.authenticate(auth("Bearer " + jwt("acme"))).authMethod()).isEqualTo(AuthMethod.JWT);
        assertThat(authenticator.authenticate(auth("bearer " + jwt("acme"))).authMethod()).isEqualTo(AuthMethod.JWT);
    }

    @Test
    void api_token_is_accepted_as_bearer_and_as_influx_token() {
        assertThat(authenticator.authenticate(auth("Bearer " + acmeToken.token())).authMethod()).isEqualTo(AuthMethod.API_TOKEN);
        assertThat(authenticator.authenticate(auth("Token " + acmeToken.token())).authMethod()).isEqualTo(AuthMethod.API_TOKEN);
    }

    @Test
    void signed_request_resolves_to_the_keys_tenant() {
        SecurityContext context = tenants.resolve(authenticator.authenticate(signedRequest("acme")), List.of("acme"), "r", "t");

        assertThat(context.principal().authMethod()).isEqualTo(AuthMethod.SIGNED_REQUEST);
        assertThat(context.tenant()).isEqualTo(new TenantId("acme"));
    }

    @Test
    void signed_request_view_is_built_only_for_signed_requests() {
        var built = new HashMap<String, Integer>();
        var request = new CredentialRequest(List.of("Token " + acmeToken.token()), () -> {
            built.merge("view", 1, Integer::sum);
            throw new AssertionError("the body must not be hashed for token requests");
        });

        authenticator.authenticate(request);

        assertThat(built).isEmpty();
    }

    @Test
    void every_reason_has_a_snake_case_code_and_a_4xx_or_503_status() {
        for (Reason reason : Reason.values()) {
            assertThat(reason.code()).matches("[a-z]+(_[a-z]+)*");
            assertThat(reason.httpStatus()).isIn(400, 401, 403, 503);
        }
        assertThat(new AuthenticationFailure(Reason.TENANT_MISMATCH, "x").label()).isEqualTo("tenant_mismatch");
    }
}
