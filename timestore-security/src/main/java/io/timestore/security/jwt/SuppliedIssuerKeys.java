package io.timestore.security.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import java.text.ParseException;
import java.time.InstantSource;

/**
 * Keys an application supplies ({@link KeySource.Supplied}): asked for on every lookup, parsed again
 * only when the document changed. Thread-safe: the parsed set and its text are one volatile pair.
 */
final class SuppliedIssuerKeys implements IssuerKeys {
    private record Parsed(String text, KeySet keys) {}

    private final String issuer;
    private final KeySource.Supplied source;
    private final InstantSource clock;
    private volatile Parsed parsed = new Parsed("", null);

    SuppliedIssuerKeys(String issuer, KeySource.Supplied source, InstantSource clock) {
        this.issuer = issuer;
        this.source = source;
        this.clock = clock;
        current(); // an unusable first document is a configuration error, reported at once
    }

    @Override
    public KeySet.VerificationKey find(String kid, JWSAlgorithm algorithm) {
        return current().find(kid, algorithm).orElseThrow(() ->
                new AuthenticationFailure(Reason.KEY_UNKNOWN, "the token's key id is not a key of its issuer"));
    }

    private KeySet current() {
        String text = source.jwkSetJson().get();
        Parsed seen = parsed;
        if (text.equals(seen.text())) {
            return seen.keys();
        }
        try {
            var keys = KeySet.of(JWKSet.parse(text), clock.instant());
            parsed = new Parsed(text, keys);
            return keys;
        } catch (ParseException e) {
            throw new IllegalArgumentException("the keys supplied for issuer " + issuer + " are not a JWK Set: " + e.getMessage(), e);
        }
    }
}
