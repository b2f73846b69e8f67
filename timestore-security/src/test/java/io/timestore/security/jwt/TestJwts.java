package io.timestore.security.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Real keys and real signatures for tests: tokens built exactly as an attacker or an IdP would. */
final class TestJwts {
    static final String ISSUER = "https://idp.example.test/realms/timestore";
    static final String AUDIENCE = "timestore-api";

    final RSAKey rsa;
    final ECKey ec;
    final OctetKeyPair ed;

    TestJwts() {
        try {
            rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
            ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
            ed = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ed-1").generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    String publicJwks() {
        return new JWKSet(List.<JWK>of(rsa, ec, ed)).toPublicJWKSet().toString();
    }

    /** Standard user-token claims valid at {@code now}: 10 min lifetime, tenant acme. */
    static Map<String, Object> claims(Instant now) {
        var claims = new LinkedHashMap<String, Object>();
        claims.put("iss", ISSUER);
        claims.put("sub", "alice");
        claims.put("aud", AUDIENCE);
        claims.put("iat", now.getEpochSecond());
        claims.put("nbf", now.getEpochSecond());
        claims.put("exp", now.plusSeconds(600).getEpochSecond());
        claims.put("tenant_id", "acme");
        claims.put("roles", List.of("reader"));
        claims.put("scope", "timestore.read timestore.write");
        return claims;
    }

    static Map<String, Object> header(String alg, String kid) {
        var header = new LinkedHashMap<String, Object>();
        header.put("alg", alg);
        if (kid != null) {
            header.put("kid", kid);
        }
        header.put("typ", "JWT");
        return header;
    }

    String rs256(Map<String, Object> claims) {
        return sign(header("RS256", rsa.getKeyID()), json(claims), rsa);
    }

    /** Signs exactly {@code payloadJson} (so duplicate keys survive) with {@code key}. */
    String sign(Map<String, Object> header, String payloadJson, JWK key) {
        try {
            JWSHeader parsed = JWSHeader.parse(header);
            JWSSigner signer = switch (key) {
                case RSAKey r -> new RSASSASigner(r);
                case ECKey e -> new ECDSASigner(e);
                case OctetKeyPair o -> new Ed25519Signer(o);
                default -> throw new IllegalArgumentException("unsupported key");
            };
            var jws = new JWSObject(parsed, new Payload(payloadJson));
            jws.sign(signer);
            return jws.serialize();
        } catch (JOSEException | java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A token with arbitrary header and payload text and a given signature part: no validation at all. */
    static String raw(String headerJson, String payloadJson, String signature) {
        return b64(headerJson) + "." + b64(payloadJson) + "." + signature;
    }

    static String b64(String text) {
        return Base64URL.encode(text.getBytes(StandardCharsets.UTF_8)).toString();
    }

    static String json(Map<String, ?> map) {
        return com.nimbusds.jose.util.JSONObjectUtils.toJSONString(map);
    }

    static JWSAlgorithm alg(String name) {
        return JWSAlgorithm.parse(name);
    }
}
