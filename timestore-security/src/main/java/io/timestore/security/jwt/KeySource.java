package io.timestore.security.jwt;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/** Where a trusted issuer's public verification keys come from. */
public sealed interface KeySource {

    /**
     * Keys fetched from a JWKS URL and cached. The set is refreshed in the background of requests
     * after {@code refreshInterval}; a token whose {@code kid} is not in the cached set triggers a
     * refetch, at most once per {@code minRefetchInterval} (so a flood of tokens with made-up key
     * ids costs the identity provider one request per interval, not one per token).
     *
     * @param url                the JWKS document ({@code https} in production; redirects are not followed)
     * @param refreshInterval    how long a fetched set is used before it is refreshed
     * @param minRefetchInterval the least time between two fetches, whatever triggers them
     * @param timeout            connect and response timeout of one fetch
     */
    record Jwks(URI url, Duration refreshInterval, Duration minRefetchInterval, Duration timeout)
            implements KeySource {
        public Jwks {
            Objects.requireNonNull(url, "url");
            requirePositive("jwt.issuers[].jwks.refresh_interval", refreshInterval);
            requirePositive("jwt.issuers[].jwks.min_refetch_interval", minRefetchInterval);
            requirePositive("jwt.issuers[].jwks.timeout", timeout);
            String scheme = url.getScheme();
            if (!"https".equals(scheme) && !"http".equals(scheme)) {
                throw new IllegalArgumentException(
                        "jwt.issuers[].jwks.url must be an http(s) URL, found scheme " + scheme);
            }
        }

        /** A JWKS source with the defaults: refresh every 5 min, refetch at most every 30 s, 5 s timeout. */
        public static Jwks of(URI url) {
            return new Jwks(url, Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(5));
        }
    }

    /**
     * Keys given in the configuration, as a JWK Set JSON document ({@code {"keys":[...]}}).
     * Private key members, if present, are ignored: only the public parts are kept.
     */
    record Keys(String jwkSetJson) implements KeySource {
        public Keys {
            Objects.requireNonNull(jwkSetJson, "jwkSetJson");
        }
    }

    /**
     * Keys the embedding application supplies and may replace at any time, as a JWK Set JSON
     * document asked for on every lookup (so it must be cheap): a key the application rotates
     * itself, such as a development issuer's, is trusted from the moment it is supplied and refused
     * from the moment it is not. The document is parsed again only when it changes.
     */
    record Supplied(java.util.function.Supplier<String> jwkSetJson) implements KeySource {
        public Supplied {
            Objects.requireNonNull(jwkSetJson, "jwkSetJson");
        }
    }

    private static void requirePositive(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(key + " must be positive, found " + value);
        }
    }
}
