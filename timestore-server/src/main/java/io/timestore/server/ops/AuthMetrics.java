package io.timestore.server.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.timestore.security.jwt.JwtVerifier;

/**
 * The JWT verifier's cache as metrics: lookups by result and cached tokens. (Refusals are counted
 * where requests are admitted, {@code timestore_auth_failures_total}; JWKS fetches are not
 * observable from outside the security library.)
 */
public final class AuthMetrics {
    private AuthMetrics() {}

    public static void bind(MeterRegistry registry, JwtVerifier jwt) {
        FunctionCounter.builder("timestore.auth.token.cache", jwt, JwtVerifier::cacheHits)
                .description("JWT verifications by whether the verified-token cache answered them")
                .tag("result", "hit").register(registry);
        FunctionCounter.builder("timestore.auth.token.cache", jwt, JwtVerifier::cacheMisses)
                .description("JWT verifications by whether the verified-token cache answered them")
                .tag("result", "miss").register(registry);
        FunctionCounter.builder("timestore.auth.jwks.fetches", jwt, JwtVerifier::jwksFetches)
                .description("JWKS documents fetched from identity providers (refreshes and unknown-kid refetches)")
                .register(registry);
        Gauge.builder("timestore.auth.token.cache.entries", jwt, JwtVerifier::cachedTokens)
                .description("Verified JWTs held in the cache until they expire").register(registry);
    }
}
