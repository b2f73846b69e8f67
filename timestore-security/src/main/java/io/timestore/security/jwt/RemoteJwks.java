package io.timestore.security.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys fetched from a JWKS URL over {@link HttpClient}, cached, refreshed after the refresh
 * interval, and refetched when a token names an unknown key id — but never more often than the
 * minimum refetch interval, whatever triggers the fetch (stale set, unknown kid, earlier failure).
 *
 * <p>Thread-safe: readers use a volatile immutable {@link KeySet}; fetches are single-flight under
 * a lock, and a thread that waited for another's fetch uses that result instead of fetching again.
 * A failed refresh keeps the previous keys: an identity-provider outage must not log everyone out.
 */
final class RemoteJwks implements IssuerKeys {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteJwks.class);
    /** A JWKS document is a few KiB; a much larger answer is a misconfiguration or an attack. */
    private static final int MAX_DOCUMENT_BYTES = 512 * 1024;

    private final KeySource.Jwks source;
    private final HttpClient http;
    private final InstantSource clock;
    private final ReentrantLock fetchLock = new ReentrantLock();
    private volatile KeySet current;
    private volatile Instant lastAttempt;
    private final java.util.concurrent.atomic.LongAdder fetches = new java.util.concurrent.atomic.LongAdder();

    RemoteJwks(KeySource.Jwks source, HttpClient http, InstantSource clock) {
        this.source = source;
        this.http = http;
        this.clock = clock;
    }

    @Override
    public KeySet.VerificationKey find(String kid, JWSAlgorithm algorithm) {
        Instant now = clock.instant();
        KeySet keys = current;
        if (keys == null || !now.isBefore(keys.fetchedAt().plus(source.refreshInterval()))) {
            keys = refresh(keys, now);
        }
        if (keys == null) {
            throw new AuthenticationFailure(Reason.KEY_SOURCE_UNAVAILABLE, "the issuer's keys are unavailable");
        }
        Optional<KeySet.VerificationKey> found = keys.find(kid, algorithm);
        if (found.isEmpty()) {
            // The issuer may have rotated its keys since the last fetch.
            KeySet refreshed = refresh(keys, now);
            if (refreshed != keys && refreshed != null) {
                found = refreshed.find(kid, algorithm);
            }
        }
        return found.orElseThrow(() ->
                new AuthenticationFailure(Reason.KEY_UNKNOWN, "the token's key id is not a key of its issuer"));
    }

    /** Fetches unless rate-limited or another thread already replaced {@code seen}; returns the current set. */
    private KeySet refresh(KeySet seen, Instant now) {
        fetchLock.lock();
        try {
            if (current != seen) {
                return current;
            }
            if (lastAttempt != null && now.isBefore(lastAttempt.plus(source.minRefetchInterval()))) {
                return current;
            }
            lastAttempt = now;
            try {
                current = fetch(now);
            } catch (IOException | ParseException | RuntimeException e) {
                LOG.warn("JWKS fetch from {} failed, keeping {} cached keys: {}",
                        source.url(), current == null ? "no" : "the", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return current;
        } finally {
            fetchLock.unlock();
        }
    }

    @Override
    public long fetches() {
        return fetches.sum();
    }

    private KeySet fetch(Instant now) throws IOException, InterruptedException, ParseException {
        fetches.increment();
        var request = HttpRequest.newBuilder(source.url())
                .timeout(source.timeout())
                .header("Accept", "application/jwk-set+json, application/json")
                .GET()
                .build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("expected status 200, found " + response.statusCode());
            }
            byte[] bytes = body.readNBytes(MAX_DOCUMENT_BYTES + 1);
            if (bytes.length > MAX_DOCUMENT_BYTES) {
                throw new IOException("JWKS document larger than " + MAX_DOCUMENT_BYTES + " bytes");
            }
            KeySet keys = KeySet.of(JWKSet.parse(new String(bytes, StandardCharsets.UTF_8)), now);
            LOG.debug("fetched JWKS from {}", source.url());
            return keys;
        }
    }
}
