package io.timestore.security.signed;

import io.timestore.security.TenantId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Test fixtures: a key, in-memory stores with the stores' contracts, and request builders. */
final class SignedRequests {
    static final String KEY_ID = "svc-ingest-1";
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef-test-only".getBytes(StandardCharsets.US_ASCII);
    static final Instant FAR_FUTURE = Instant.parse("2999-01-01T00:00:00Z");
    static final SigningKey KEY = new SigningKey(KEY_ID, new TenantId("acme"), SECRET, Set.of("runtime-writer"), Set.of(),
            FAR_FUTURE, false);
    static final SigningKey REVOKED = new SigningKey("svc-old", new TenantId("acme"), SECRET, Set.of(), Set.of(), FAR_FUTURE, true);
    /** Expired at the verifier tests' NOW exactly: refused from its expiry on, as an API token is. */
    static final SigningKey EXPIRED = new SigningKey("svc-expired", new TenantId("acme"), SECRET, Set.of(), Set.of(),
            Instant.parse("2026-01-15T12:00:00Z"), false);

    static SigningKeyStore keyStore() {
        Map<String, SigningKey> keys = Map.of(KEY.keyId(), KEY, REVOKED.keyId(), REVOKED, EXPIRED.keyId(), EXPIRED);
        return id -> Optional.ofNullable(keys.get(id));
    }

    /** Atomic insert-if-absent, as the PostgreSQL implementation does with ON CONFLICT DO NOTHING. */
    static final class InMemoryNonces implements NonceStore {
        private final Map<String, Instant> seen = new ConcurrentHashMap<>();

        @Override
        public boolean remember(String keyId, String nonce, Instant expiresAt) {
            return seen.putIfAbsent(keyId + "\n" + nonce, expiresAt) == null;
        }

        int size() {
            return seen.size();
        }
    }

    static Map<String, List<String>> headers(String date, String nonce) {
        var headers = new LinkedHashMap<String, List<String>>();
        headers.put("Host", List.of("timestore.internal:8080"));
        headers.put("X-TS-Date", List.of(date));
        headers.put("X-TS-Nonce", List.of(nonce));
        headers.put("X-Tenant-ID", List.of("acme"));
        headers.put("Content-Type", List.of("application/json"));
        return headers;
    }

    static SignedRequestInput request(Map<String, List<String>> headers, String path, String query, String body) {
        return new SignedRequestInput("POST", path, query, headers,
                SignedRequestInput.sha256Hex(body.getBytes(StandardCharsets.UTF_8)));
    }

    /** The Authorization parameters (after the scheme) of a signed request. */
    static String parameters(String authorization) {
        return authorization.substring(CanonicalRequest.ALGORITHM.length() + 1);
    }

    private SignedRequests() {}
}
