package io.timestore.server.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.timestore.security.TenantId;
import io.timestore.security.jwt.ClaimNames;
import io.timestore.security.jwt.KeySource;
import io.timestore.security.jwt.TrustedIssuer;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local development issuer (docs/architecture.md §5): an ES256 key kept in the data directory, trusted by
 * the server only in development setups (embedded database, no identity provider configured, or
 * explicitly switched on). {@code timestore token} mints short-lived tokens with it, so a new user
 * can try every route without an identity provider.
 *
 * <p>Key rotation (docs/security.md "Key rotation"): a server's issuer {@link #watch watches} the
 * key file; when {@code timestore keys rotate-dev-issuer-key} replaced it, new tokens are signed
 * with the new key and the old public key stays trusted for {@link #MAX_TTL} (no token it signed
 * can outlive that), then it is retired and its tokens are refused ({@code key_unknown}). A restart
 * within that grace period ends it early. Thread-safe: the keys are one immutable state behind a
 * volatile field.
 */
public final class DevIssuer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DevIssuer.class);
    public static final String ISSUER = "timestore-dev";
    static final String KEY_FILE = "dev-issuer.jwk";
    /** Tokens from this issuer never live longer than the user token cap. */
    public static final Duration MAX_TTL = Duration.ofMinutes(15);
    /** How often a server checks the key file for a rotated key. */
    public static final Duration KEY_RELOAD_INTERVAL = Duration.ofSeconds(2);

    /** A rotated-out public key, still trusted until {@code until}. */
    private record Retiring(ECKey publicKey, Instant until) {}

    /** The signing key, its file text, and the keys still trusted after a rotation; immutable. */
    private record Keys(ECKey active, String text, List<Retiring> retiring) {}

    private final KeyFiles files;
    private final String audience;
    private final ClaimNames claimNames;
    private final InstantSource clock;
    private volatile Keys keys;
    private ScheduledExecutorService watcher;

    private DevIssuer(KeyFiles files, ECKey key, String text, String audience, ClaimNames claimNames, InstantSource clock) {
        this.files = files;
        this.keys = new Keys(key, text, List.of());
        this.audience = audience;
        this.claimNames = claimNames;
        this.clock = clock;
    }

    /** Loads the issuer's key from the data directory, creating it on first use (the server). */
    public static DevIssuer load(KeyFiles files, String audience, ClaimNames claimNames, InstantSource clock) {
        return parse(files, files.readOrCreate(KEY_FILE, DevIssuer::generate), audience, claimNames, clock);
    }

    /**
     * The issuer whose key a server created in the data directory ({@code timestore token}), or
     * empty when there is no key: a new one would sign tokens no server trusts.
     */
    public static Optional<DevIssuer> loadExisting(KeyFiles files, String audience, ClaimNames claimNames, InstantSource clock) {
        return files.read(KEY_FILE).map(text -> parse(files, text, audience, claimNames, clock));
    }

    /** Where the key lives, for messages. */
    public static java.nio.file.Path keyFile(KeyFiles files) {
        return files.path(KEY_FILE);
    }

    private static DevIssuer parse(KeyFiles files, String text, String audience, ClaimNames claimNames, InstantSource clock) {
        try {
            return new DevIssuer(files, ECKey.parse(text), text, audience, claimNames, clock);
        } catch (ParseException e) {
            throw new IllegalStateException("the development issuer key in " + files.path(KEY_FILE) + " is not a JWK", e);
        }
    }

    /**
     * What the JWT verifier trusts: this issuer with its public keys only, the current one and
     * those rotated out less than {@link #MAX_TTL} ago, asked for at every verification.
     */
    public TrustedIssuer trusted() {
        return new TrustedIssuer(ISSUER, new KeySource.Supplied(this::trustedKeys));
    }

    private String trustedKeys() {
        Keys current = keys;
        Instant now = clock.instant();
        List<JWK> trusted = new ArrayList<>();
        trusted.add(current.active().toPublicJWK());
        current.retiring().stream().filter(r -> now.isBefore(r.until())).forEach(r -> trusted.add(r.publicKey()));
        return new JWKSet(trusted).toString();
    }

    /** The key id of the key that signs new tokens. */
    public String keyId() {
        return keys.active().getKeyID();
    }

    /** Checks the key file every {@code interval} and rotates to the key found there ({@link #reloadIfChanged}). */
    public synchronized DevIssuer watch(Duration interval) {
        if (watcher == null) {
            watcher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("timestore-dev-issuer-key").factory());
            long every = interval.toMillis();
            watcher.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Reads the key file once; when it holds another EC key, that key signs from now on and the
     * old public key stays trusted for {@link #MAX_TTL}. An unreadable or invalid file is logged
     * and the current key kept.
     */
    void reloadIfChanged() {
        Keys current = keys;
        try {
            var text = files.read(KEY_FILE).orElse(null);
            if (text == null || text.equals(current.text())) {
                return;
            }
            var next = ECKey.parse(text);
            if (!next.isPrivate() || next.getKeyID() == null || next.getKeyID().equals(current.active().getKeyID())) {
                keys = new Keys(current.active(), text, current.retiring());
                return;
            }
            Instant now = clock.instant();
            List<Retiring> retiring = new ArrayList<>();
            current.retiring().stream().filter(r -> now.isBefore(r.until())).forEach(retiring::add);
            retiring.add(new Retiring(current.active().toPublicJWK(), now.plus(MAX_TTL)));
            keys = new Keys(next, text, List.copyOf(retiring));
            log.atInfo().addKeyValue("key_id", next.getKeyID()).addKeyValue("retiring_key_id", current.active().getKeyID())
                    .log("development issuer key {} is active; {} stays trusted until {}, then is retired",
                            next.getKeyID(), current.active().getKeyID(), now.plus(MAX_TTL));
        } catch (ParseException | RuntimeException e) {
            log.warn("the development issuer key file {} does not hold a usable key ({}); still signing with {}",
                    files.path(KEY_FILE), e.getClass().getSimpleName(), current.active().getKeyID());
        }
    }

    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }

    /** What a minted token says about its holder. */
    public record Grant(String subject, Optional<TenantId> tenant, List<String> roles, List<String> scopes, Duration ttl) {
        public Grant {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(tenant, "tenant");
            roles = List.copyOf(roles);
            scopes = List.copyOf(scopes);
            if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
                throw new IllegalArgumentException("ttl must be between 1s and " + MAX_TTL.toMinutes() + "m");
            }
        }
    }

    /** A signed JWT for {@code grant}. */
    public String mint(Grant grant) {
        var now = clock.instant();
        var claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(audience)
                .subject(grant.subject())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(grant.ttl())))
                .jwtID(UUID.randomUUID().toString())
                .claim(claimNames.roles(), grant.roles());
        grant.tenant().ifPresent(t -> claims.claim(claimNames.tenant(), t.value()));
        if (!grant.scopes().isEmpty()) {
            claims.claim(claimNames.scope(), String.join(" ", grant.scopes()));
        }
        ECKey key = keys.active();
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims.build());
        try {
            jwt.sign(new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing with the development issuer key failed", e);
        }
        return jwt.serialize();
    }

    /** A new key's JWK text, as the key file holds it. */
    public static String generate() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate().toJSONString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate the development issuer key", e);
        }
    }
}
