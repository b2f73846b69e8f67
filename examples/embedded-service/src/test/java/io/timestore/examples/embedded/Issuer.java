package io.timestore.examples.embedded;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.timestore.security.jwt.JwtSettings;
import io.timestore.security.jwt.KeySource;
import io.timestore.security.jwt.TrustedIssuer;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/** An identity provider for the tests: a real ES256 key, real signatures, the claims Timestore reads. */
final class Issuer {
    static final String ISSUER = "https://idp.example.test/realms/notes";
    static final String AUDIENCE = "notes-service";

    private final ECKey key;

    Issuer(String keyId) {
        try {
            this.key = new ECKeyGenerator(Curve.P_256).keyID(keyId).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The service's JWT settings: this issuer's public keys, configured (no JWKS fetch). */
    JwtSettings settings() {
        var keys = new KeySource.Keys(new JWKSet(key.toPublicJWK()).toString());
        return JwtSettings.defaults(List.of(new TrustedIssuer(ISSUER, keys)), AUDIENCE);
    }

    /** A 10-minute user token of {@code subject} in {@code tenant} with {@code roles}. */
    String token(String subject, String tenant, List<String> roles) {
        var now = Instant.now();
        var claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER).subject(subject).audience(AUDIENCE)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600)))
                .claim("tenant_id", tenant).claim("roles", roles)
                .build();
        try {
            var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
            jwt.sign(new ECDSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
