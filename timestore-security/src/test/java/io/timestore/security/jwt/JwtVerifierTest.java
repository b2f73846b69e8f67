package io.timestore.security.jwt;

import static io.timestore.security.jwt.TestJwts.AUDIENCE;
import static io.timestore.security.jwt.TestJwts.ISSUER;
import static io.timestore.security.jwt.TestJwts.b64;
import static io.timestore.security.jwt.TestJwts.claims;
import static io.timestore.security.jwt.TestJwts.header;
import static io.timestore.security.jwt.TestJwts.json;
import static io.timestore.security.jwt.TestJwts.raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.timestore.security.AuthMethod;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.Principal;
import io.timestore.security.PrincipalKind;
import io.timestore.security.TenantId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.threeten.extra.MutableClock;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JwtVerifierTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private final TestJwts jwts = new TestJwts();

    private JwtVerifier verifier(MutableClock clock) {
        var issuer = new TrustedIssuer(ISSUER, new KeySource.Keys(jwts.publicJwks()));
        return new JwtVerifier(JwtSettings.defaults(List.of(issuer), AUDIENCE), clock);
    }

    private JwtVerifier verifier() {
        return verifier(MutableClock.of(NOW, ZoneOffset.UTC));
    }

    /** The standard claims with one change applied. */
    private String rs256With(Consumer<Map<String, Object>> change) {
        Map<String, Object> claims = claims(NOW);
        change.accept(claims);
        return jwts.rs256(claims);
    }

    private String withHeader(Consumer<Map<String, Object>> change) {
        Map<String, Object> header = header("RS256", jwts.rsa.getKeyID());
        change.accept(header);
        return jwts.sign(header, json(claims(NOW)), jwts.rsa);
    }

    private String hs256WithRsaPublicKey() {
        String signingInput = b64(json(header("HS256", jwts.rsa.getKeyID()))) + "." + b64(json(claims(NOW)));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(jwts.rsa.toRSAPublicKey().getEncoded(), "HmacSHA256"));
            byte[] signature = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + com.nimbusds.jose.util.Base64URL.encode(signature);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Stream<Arguments> bad_tokens() throws Exception {
        String valid = jwts.rs256(claims(NOW));
        String[] parts = valid.split("\\.");
        var otherRsa = new RSAKeyGenerator(2048).keyID(jwts.rsa.getKeyID()).generate();
        return Stream.of(
                Arguments.of("alg none", raw("{\"alg\":\"none\"}", json(claims(NOW)), ""), Reason.ALGORITHM_NOT_ALLOWED),
                Arguments.of("alg none with a signature", raw("{\"alg\":\"none\"}", json(claims(NOW)), "AAAA"), Reason.ALGORITHM_NOT_ALLOWED),
                Arguments.of("alg missing", raw("{\"kid\":\"rsa-1\"}", json(claims(NOW)), parts[2]), Reason.ALGORITHM_NOT_ALLOWED),
                Arguments.of("alg RS512 not in allowlist", withHeader(h -> h.put("alg", "RS512")), Reason.ALGORITHM_NOT_ALLOWED),
                Arguments.of("empty signature", parts[0] + "." + parts[1] + ".", Reason.SIGNATURE_INVALID),
                Arguments.of("RS256 token re-signed HS256 with the public key", hs256WithRsaPublicKey(), Reason.ALGORITHM_NOT_ALLOWED),
                Arguments.of("RS256 header naming the EC key", jwts.sign(header("RS256", "ec-1"), json(claims(NOW)), jwts.rsa), Reason.ALGORITHM_NOT_ALLOWED),
                Arguments.of("signature by another key with the same kid", jwts.sign(header("RS256", "rsa-1"), json(claims(NOW)), otherRsa), Reason.SIGNATURE_INVALID),
                Arguments.of("signature of another token", parts[0] + "." + parts[1] + "." + jwts.rs256(claims(NOW.plusSeconds(1))).split("\\.")[2], Reason.SIGNATURE_INVALID),
                Arguments.of("unknown kid", withHeader(h -> h.put("kid", "rsa-2")), Reason.KEY_UNKNOWN),
                Arguments.of("kid with path traversal", withHeader(h -> h.put("kid", "../../../etc/passwd")), Reason.KEY_UNKNOWN),
                Arguments.of("kid with SQL", withHeader(h -> h.put("kid", "x' OR '1'='1'; DROP TABLE api_tokens; --")), Reason.KEY_UNKNOWN),
                Arguments.of("no kid while the issuer has several keys", withHeader(h -> h.remove("kid")), Reason.KEY_UNKNOWN),
                Arguments.of("jku header", withHeader(h -> h.put("jku", "https://evil.example/jwks.json")), Reason.HEADER_NOT_ALLOWED),
                Arguments.of("x5u header", withHeader(h -> h.put("x5u", "https://evil.example/cert.pem")), Reason.HEADER_NOT_ALLOWED),
                Arguments.of("embedded jwk header", withHeader(h -> h.put("jwk", jwts.rsa.toPublicJWK().toJSONObject())), Reason.HEADER_NOT_ALLOWED),
                Arguments.of("crit header", withHeader(h -> {
                    h.put("crit", List.of("exp"));
                    h.put("exp", 1);
                }), Reason.HEADER_NOT_ALLOWED),
                Arguments.of("wrong iss", rs256With(c -> c.put("iss", "https://idp.evil.test/realms/timestore")), Reason.ISSUER_UNTRUSTED),
                Arguments.of("iss with trailing slash", rs256With(c -> c.put("iss", ISSUER + "/")), Reason.ISSUER_UNTRUSTED),
                Arguments.of("iss missing", rs256With(c -> c.remove("iss")), Reason.ISSUER_UNTRUSTED),
                Arguments.of("aud missing", rs256With(c -> c.remove("aud")), Reason.AUDIENCE_MISMATCH),
                Arguments.of("aud wrong", rs256With(c -> c.put("aud", "billing-api")), Reason.AUDIENCE_MISMATCH),
                Arguments.of("aud a substring of the right one", rs256With(c -> c.put("aud", "timestore")), Reason.AUDIENCE_MISMATCH),
                Arguments.of("aud extending the right one", rs256With(c -> c.put("aud", AUDIENCE + "-staging")), Reason.AUDIENCE_MISMATCH),
                Arguments.of("aud list without the right one", rs256With(c -> c.put("aud", List.of("a", "timestore-ap"))), Reason.AUDIENCE_MISMATCH),
                Arguments.of("expired beyond skew", rs256With(c -> {
                    c.put("iat", NOW.minusSeconds(700).getEpochSecond());
                    c.put("nbf", NOW.minusSeconds(700).getEpochSecond());
                    c.put("exp", NOW.minusSeconds(61).getEpochSecond());
                }), Reason.TOKEN_EXPIRED),
                Arguments.of("nbf in the future beyond skew", rs256With(c -> c.put("nbf", NOW.plusSeconds(61).getEpochSecond())), Reason.TOKEN_NOT_YET_VALID),
                Arguments.of("iat in the future beyond skew", rs256With(c -> {
                    c.put("iat", NOW.plusSeconds(120).getEpochSecond());
                    c.put("exp", NOW.plusSeconds(600).getEpochSecond());
                }), Reason.TOKEN_NOT_YET_VALID),
                Arguments.of("no exp", rs256With(c -> c.remove("exp")), Reason.TOKEN_INVALID),
                Arguments.of("no iat", rs256With(c -> c.remove("iat")), Reason.TOKEN_INVALID),
                Arguments.of("exp before iat", rs256With(c -> c.put("exp", NOW.minusSeconds(1).getEpochSecond())), Reason.TOKEN_INVALID),
                Arguments.of("no sub", rs256With(c -> c.remove("sub")), Reason.TOKEN_INVALID),
                Arguments.of("blank sub", rs256With(c -> c.put("sub", " ")), Reason.TOKEN_INVALID),
                Arguments.of("user token lifetime over 15 min", rs256With(c -> c.put("exp", NOW.plusSeconds(15 * 60 + 1).getEpochSecond())), Reason.TOKEN_LIFETIME_EXCEEDED),
                Arguments.of("m2m token lifetime over 60 min", rs256With(c -> {
                    c.put("token_use", "m2m");
                    c.put("exp", NOW.plusSeconds(60 * 60 + 1).getEpochSecond());
                }), Reason.TOKEN_LIFETIME_EXCEEDED),
                Arguments.of("client credentials token lifetime over 60 min", rs256With(c -> {
                    c.put("client_id", "alice");
                    c.put("exp", NOW.plusSeconds(2 * 60 * 60).getEpochSecond());
                }), Reason.TOKEN_LIFETIME_EXCEEDED),
                Arguments.of("two parts", parts[0] + "." + parts[1], Reason.TOKEN_INVALID),
                Arguments.of("four parts", valid + ".AAAA", Reason.TOKEN_INVALID),
                Arguments.of("malformed base64 in header", "eyJ*bGciOiJSUzI1NiJ9." + parts[1] + "." + parts[2], Reason.TOKEN_INVALID),
                Arguments.of("padded base64 in payload", parts[0] + "." + parts[1] + "==." + parts[2], Reason.TOKEN_INVALID),
                Arguments.of("malformed base64 in signature", parts[0] + "." + parts[1] + "." + parts[2].substring(1) + "+", Reason.TOKEN_INVALID),
                Arguments.of("payload not JSON", jwts.sign(header("RS256", "rsa-1"), "{\"sub\":\"alice\"", jwts.rsa), Reason.TOKEN_INVALID),
                Arguments.of("payload a JSON array", jwts.sign(header("RS256", "rsa-1"), "[1,2]", jwts.rsa), Reason.TOKEN_INVALID),
                Arguments.of("header not JSON", raw("{alg:RS256}", json(claims(NOW)), parts[2]), Reason.TOKEN_INVALID),
                Arguments.of("duplicate sub in payload", jwts.sign(header("RS256", "rsa-1"),
                        json(claims(NOW)).replaceFirst("\\{", "{\"sub\":\"admin\","), jwts.rsa), Reason.TOKEN_INVALID),
                Arguments.of("duplicate sub spelled with an escape", jwts.sign(header("RS256", "rsa-1"),
                        json(claims(NOW)).replaceFirst("\\{", "{\"\\\\u0073ub\":\"admin\","), jwts.rsa), Reason.TOKEN_INVALID),
                Arguments.of("duplicate tenant_id in payload", jwts.sign(header("RS256", "rsa-1"),
                        json(claims(NOW)).replaceFirst("\\{", "{\"tenant_id\":\"globex\","), jwts.rsa), Reason.TOKEN_INVALID),
                Arguments.of("duplicate alg in header", raw("{\"alg\":\"RS256\",\"alg\":\"none\"}", json(claims(NOW)), parts[2]), Reason.TOKEN_INVALID),
                Arguments.of("1 MB token", valid + "A".repeat(1024 * 1024), Reason.TOKEN_TOO_LARGE),
                Arguments.of("tenant claim missing", rs256With(c -> c.remove("tenant_id")), Reason.TENANT_MISSING),
                Arguments.of("tenant claim malformed", rs256With(c -> c.put("tenant_id", "ACME corp")), Reason.TENANT_CLAIM_INVALID),
                Arguments.of("tenant claim a list", rs256With(c -> c.put("tenant_id", List.of("acme", "globex"))), Reason.TENANT_CLAIM_INVALID),
                Arguments.of("tenant claim a one-element list", rs256With(c -> c.put("tenant_id", List.of("acme"))), Reason.TENANT_CLAIM_INVALID),
                Arguments.of("tenant claim a number", rs256With(c -> c.put("tenant_id", 42)), Reason.TENANT_CLAIM_INVALID),
                Arguments.of("roles not strings", rs256With(c -> c.put("roles", List.of(1, 2))), Reason.TOKEN_INVALID));
    }

    @ParameterizedTest(name = "{0} is refused with {2}")
    @MethodSource("bad_tokens")
    void bad_tokens_are_refused_with_their_reason_and_a_message_without_token_fragments(String name, String token, Reason expected) {
        var failure = assertThrows(AuthenticationFailure.class, () -> verifier().verify(token));

        assertThat(failure.reason()).as(name).isEqualTo(expected);
        for (String part : token.split("\\.")) {
            if (part.length() >= 8) {
                assertThat(failure.getMessage()).doesNotContain(part.substring(0, 8));
            }
        }
    }

    @Test
    void rs256_user_token_yields_a_jwt_user_principal_with_tenant_roles_and_scopes() {
        Map<String, Object> claims = claims(NOW);
        claims.put("groups", List.of("ops"));
        claims.put("scp", List.of("storage.read.refresh"));

        Principal principal = verifier().verify(jwts.rs256(claims));

        assertThat(principal.subject()).isEqualTo("alice");
        assertThat(principal.kind()).isEqualTo(PrincipalKind.USER);
        assertThat(principal.authMethod()).isEqualTo(AuthMethod.JWT);
        assertThat(principal.tenantClaim()).contains(new TenantId("acme"));
        assertThat(principal.roles()).containsExactly("reader");
        assertThat(principal.scopes()).containsExactlyInAnyOrder("timestore.read", "timestore.write", "storage.read.refresh");
        assertThat(principal.groups()).containsExactly("ops");
        assertThat(principal.tokenPermissions()).isEmpty();
    }

    @Test
    void es256_and_eddsa_tokens_verify_with_their_own_keys() {
        String es = jwts.sign(header("ES256", "ec-1"), json(claims(NOW)), jwts.ec);
        String ed = jwts.sign(header("EdDSA", "ed-1"), json(claims(NOW)), jwts.ed);

        assertThat(verifier().verify(es).subject()).isEqualTo("alice");
        assertThat(verifier().verify(ed).subject()).isEqualTo("alice");
    }

    @Test
    void eddsa_header_with_the_ec_key_id_is_refused_as_algorithm_not_allowed() {
        String token = jwts.sign(header("EdDSA", "ec-1"), json(claims(NOW)), jwts.ed);

        var failure = assertThrows(AuthenticationFailure.class, () -> verifier().verify(token));

        assertThat(failure.reason()).isEqualTo(Reason.ALGORITHM_NOT_ALLOWED);
    }

    @Test
    void a_refusal_after_the_signature_verified_is_held_against_the_subject_and_one_before_it_is_not() {
        var clock = MutableClock.of(NOW, ZoneOffset.UTC);
        String token = jwts.rs256(claims(NOW));
        clock.add(Duration.ofHours(2));
        var expired = assertThrows(AuthenticationFailure.class, () -> verifier(clock).verify(token));
        // Anyone can write any sub into a token whose signature does not verify: never attributed.
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + b64("not the signature");
        var unsigned = assertThrows(AuthenticationFailure.class, () -> verifier().verify(forged));

        assertThat(expired.reason()).isEqualTo(Reason.TOKEN_EXPIRED);
        assertThat(expired.credential()).contains(new AuthenticationFailure.Credential(AuthMethod.JWT, "alice"));
        assertThat(unsigned.reason()).isEqualTo(Reason.SIGNATURE_INVALID);
        assertThat(unsigned.credential()).isEmpty();
    }

    @Test
    void token_expired_within_the_skew_is_still_accepted() {
        var clock = MutableClock.of(NOW, ZoneOffset.UTC);
        String token = jwts.rs256(claims(NOW));
        clock.add(Duration.ofSeconds(600 + 59));

        assertThat(verifier(clock).verify(token).subject()).isEqualTo("alice");
    }

    @Test
    void m2m_token_of_60_minutes_is_accepted_as_a_service_principal() {
        Map<String, Object> claims = claims(NOW);
        claims.put("token_use", "m2m");
        claims.put("exp", NOW.plusSeconds(3600).getEpochSecond());

        Principal principal = verifier().verify(jwts.rs256(claims));

        assertThat(principal.kind()).isEqualTo(PrincipalKind.SERVICE);
    }

    @Test
    void client_credentials_token_whose_sub_is_the_client_id_is_a_service_principal() {
        Map<String, Object> claims = claims(NOW);
        claims.put("sub", "ingest-service");
        claims.put("client_id", "ingest-service");

        assertThat(verifier().verify(jwts.rs256(claims)).kind()).isEqualTo(PrincipalKind.SERVICE);
    }

    @Test
    void tenant_claim_name_is_configurable_and_may_be_optional() {
        var issuer = new TrustedIssuer(ISSUER, new KeySource.Keys(jwts.publicJwks()));
        var d = JwtSettings.defaults(List.of(issuer), AUDIENCE);
        var settings = new JwtSettings(d.issuers(), d.audience(),
                new ClaimNames("https://timestore.io/tenant", "roles", "scope", "scp", "groups", "client_id"),
                d.machineTokens(), false, d.userMaxLifetime(), d.machineMaxLifetime(), d.clockSkew(),
                d.maxTokenBytes(), d.cacheMaxEntries());
        var verifier = new JwtVerifier(settings, MutableClock.of(NOW, ZoneOffset.UTC));
        Map<String, Object> named = claims(NOW);
        named.put("https://timestore.io/tenant", "globex");
        Map<String, Object> none = claims(NOW);

        assertThat(verifier.verify(jwts.rs256(named)).tenantClaim()).contains(new TenantId("globex"));
        assertThat(verifier.verify(jwts.rs256(none)).tenantClaim()).isEmpty();
    }

    @Test
    void token_without_kid_is_accepted_when_the_issuer_has_exactly_one_key_for_its_algorithm() throws Exception {
        String jwks = new com.nimbusds.jose.jwk.JWKSet(new com.nimbusds.jose.jwk.RSAKey.Builder(jwts.rsa.toRSAPublicKey()).build()).toString();
        var settings = JwtSettings.defaults(List.of(new TrustedIssuer(ISSUER, new KeySource.Keys(jwks))), AUDIENCE);
        String token = jwts.sign(header("RS256", null), json(claims(NOW)), jwts.rsa);

        assertThat(new JwtVerifier(settings, MutableClock.of(NOW, ZoneOffset.UTC)).verify(token).subject()).isEqualTo("alice");
    }

    @Test
    void repeated_token_is_answered_from_the_cache_without_verifying_again() {
        JwtVerifier verifier = verifier();
        String token = jwts.rs256(claims(NOW));

        Principal first = verifier.verify(token);
        Principal second = verifier.verify(token);

        assertThat(second).isSameAs(first);
        assertThat(verifier.cachedTokens()).isEqualTo(1);
    }

    @Test
    void cached_token_is_refused_once_it_expires() {
        var clock = MutableClock.of(NOW, ZoneOffset.UTC);
        JwtVerifier verifier = verifier(clock);
        String token = jwts.rs256(claims(NOW));
        verifier.verify(token);
        clock.add(Duration.ofSeconds(600 + 61));

        var failure = assertThrows(AuthenticationFailure.class, () -> verifier.verify(token));

        assertThat(failure.reason()).isEqualTo(Reason.TOKEN_EXPIRED);
    }

    @Test
    void refused_tokens_are_not_cached() {
        JwtVerifier verifier = verifier();
        String token = rs256With(c -> c.put("aud", "other"));

        assertThrows(AuthenticationFailure.class, () -> verifier.verify(token));
        assertThrows(AuthenticationFailure.class, () -> verifier.verify(token));

        assertThat(verifier.cachedTokens()).isZero();
    }

    @Test
    void cache_stays_within_its_bound() {
        var issuer = new TrustedIssuer(ISSUER, new KeySource.Keys(jwts.publicJwks()));
        var d = JwtSettings.defaults(List.of(issuer), AUDIENCE);
        var settings = new JwtSettings(d.issuers(), d.audience(), d.claims(), d.machineTokens(), true,
                d.userMaxLifetime(), d.machineMaxLifetime(), d.clockSkew(), d.maxTokenBytes(), 20);
        var verifier = new JwtVerifier(settings, MutableClock.of(NOW, ZoneOffset.UTC));

        for (int i = 0; i < 50; i++) {
            Map<String, Object> claims = claims(NOW);
            claims.put("sub", "user-" + i);
            verifier.verify(jwts.sign(header("EdDSA", "ed-1"), json(claims), jwts.ed));
        }

        assertThat(verifier.cachedTokens()).isBetween(1, 20);
    }

    @Test
    void configured_keys_without_a_usable_key_stop_startup_with_a_message_naming_the_setting() {
        String hmacOnly = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"" + HexFormat.of().formatHex(new byte[32]) + "\",\"kid\":\"h\"}]}";
        var settings = JwtSettings.defaults(List.of(new TrustedIssuer(ISSUER, new KeySource.Keys(hmacOnly))), AUDIENCE);

        var error = assertThrows(IllegalArgumentException.class, () -> new JwtVerifier(settings, MutableClock.of(NOW, ZoneOffset.UTC)));

        assertThat(error.getMessage()).contains("jwt.issuers[" + ISSUER + "].keys").contains("no usable key");
    }

    @Test
    void rsa_keys_under_2048_bits_and_ec_keys_off_p256_are_not_used() throws Exception {
        var small = new RSAKeyGenerator(1024, true).keyID("small").generate();
        var p384 = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(Curve.P_384).keyID("p384").generate();
        String jwks = new com.nimbusds.jose.jwk.JWKSet(List.of(small.toPublicJWK(), p384.toPublicJWK(), jwts.ed.toPublicJWK())).toString();
        var settings = JwtSettings.defaults(List.of(new TrustedIssuer(ISSUER, new KeySource.Keys(jwks))), AUDIENCE);
        var verifier = new JwtVerifier(settings, MutableClock.of(NOW, ZoneOffset.UTC));

        // Nimbus refuses to sign with a weak key, so sign the way a careless issuer would.
        String signingInput = b64(json(header("RS256", "small"))) + "." + b64(json(claims(NOW)));
        var rsa = java.security.Signature.getInstance("SHA256withRSA");
        rsa.initSign(small.toPrivateKey());
        rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        String weak = signingInput + "." + com.nimbusds.jose.util.Base64URL.encode(rsa.sign());

        var failure = assertThrows(AuthenticationFailure.class, () -> verifier.verify(weak));

        assertThat(failure.reason()).isEqualTo(Reason.KEY_UNKNOWN);
    }

    @Test
    void settings_refuse_a_blank_audience_and_an_out_of_range_skew() {
        var issuers = List.of(new TrustedIssuer(ISSUER, new KeySource.Keys(jwts.publicJwks())));
        var d = JwtSettings.defaults(issuers, AUDIENCE);

        assertThrows(IllegalArgumentException.class, () -> JwtSettings.defaults(issuers, " "));
        var error = assertThrows(IllegalArgumentException.class, () -> new JwtSettings(issuers, AUDIENCE, d.claims(),
                d.machineTokens(), true, d.userMaxLifetime(), d.machineMaxLifetime(), Duration.ofHours(1), 8192, 10));
        assertThat(error.getMessage()).contains("jwt.clock_skew").contains("PT1H");
        assertThat(Set.of(d.userMaxLifetime(), d.machineMaxLifetime())).containsExactlyInAnyOrder(Duration.ofMinutes(15), Duration.ofMinutes(60));
    }

    @Test
    void nimbus_alone_refuses_top_level_duplicates_but_keeps_the_last_of_nested_ones_which_strict_json_refuses() throws Exception {
        String nested = "{\"sub\":\"alice\",\"realm_access\":{\"roles\":[\"reader\"],\"roles\":[\"platform-operator\"]}}";

        assertThrows(java.text.ParseException.class, () -> com.nimbusds.jwt.JWTClaimsSet.parse("{\"sub\":\"a\",\"sub\":\"b\"}"));
        assertThat(com.nimbusds.jwt.JWTClaimsSet.parse(nested).getJSONObjectClaim("realm_access").get("roles"))
                .isEqualTo(List.of("platform-operator"));
        assertThrows(IllegalArgumentException.class, () -> StrictJson.requireObjectWithoutDuplicates(nested));
    }

    @Test
    void strict_json_accepts_nested_well_formed_objects_and_refuses_nested_duplicates() {
        StrictJson.requireObjectWithoutDuplicates("{\"a\":[1,-2.5e3,true,null,{\"b\":\"\\u00e9\\n\"}],\"c\":{}}");

        assertThrows(IllegalArgumentException.class, () -> StrictJson.requireObjectWithoutDuplicates("{\"a\":{\"b\":1,\"b\":2}}"));
        assertThrows(IllegalArgumentException.class, () -> StrictJson.requireObjectWithoutDuplicates("{\"a\":01}"));
        assertThrows(IllegalArgumentException.class, () -> StrictJson.requireObjectWithoutDuplicates("{\"a\":1} x"));
        assertThrows(IllegalArgumentException.class, () -> StrictJson.requireObjectWithoutDuplicates("[".repeat(100)));
    }
}
