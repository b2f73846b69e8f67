package io.timestore.security.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import java.text.ParseException;
import java.time.Instant;

/** Keys from the configuration: parsed once, never refetched. */
final class StaticIssuerKeys implements IssuerKeys {
    private final KeySet keys;

    StaticIssuerKeys(String issuer, KeySource.Keys source, Instant now) {
        try {
            this.keys = KeySet.of(JWKSet.parse(source.jwkSetJson()), now);
        } catch (ParseException e) {
            throw new IllegalArgumentException(
                    "jwt.issuers[" + issuer + "].keys is not a JWK Set: " + e.getMessage(), e);
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("jwt.issuers[" + issuer
                    + "].keys holds no usable key (expected RSA >= 2048 bits, EC P-256 or Ed25519 signing keys)");
        }
    }

    @Override
    public KeySet.VerificationKey find(String kid, JWSAlgorithm algorithm) {
        return keys.find(kid, algorithm).orElseThrow(() ->
                new AuthenticationFailure(Reason.KEY_UNKNOWN, "the token's key id is not a key of its issuer"));
    }
}
