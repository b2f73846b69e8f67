package io.timestore.security.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import io.timestore.security.AuthenticationFailure;

/** One trusted issuer's keys, whichever {@link KeySource} they come from. Thread-safe. */
interface IssuerKeys {
    /**
     * The key that verifies a token with header {@code kid} (may be null) and {@code algorithm}.
     *
     * @throws AuthenticationFailure {@code key_unknown}, {@code algorithm_not_allowed} or
     *         {@code key_source_unavailable}; never returns null
     */
    KeySet.VerificationKey find(String kid, JWSAlgorithm algorithm);

    /** How many times the keys were fetched from their source (JWKS refreshes); 0 for configured keys. */
    default long fetches() {
        return 0;
    }
}
