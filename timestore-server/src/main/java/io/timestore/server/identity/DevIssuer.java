package io.timestore.server.identity;

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
import io.timestore.security.TenantId;
import io.timestore.security.jwt.ClaimNames;
import io.timestore.security.jwt.KeySource;
import io.timestore.security.jwt.TrustedIssuer;
import java.text.ParseException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The local development issuer (docs/architecture.md §5): an ES256 key kept in the data directory, trusted by
 * the server only in development setups (embedded database, no identity provider configured, or
 * explicitly switched on). {@code timestore token} mints short-lived tokens with it, so a new user
 * can try every route without an identity provider.
 */
public final class DevIssuer {
    public static final String ISSUER = "timestore-dev";
    static final String KEY_FILE = "dev-issuer.jwk";
    /** Tokens from this issuer never live longer than the user token cap. */
    public static final Duration MAX_TTL = Duration.ofMinutes(15);

    private final ECKey key;
    private final String audience;
    private final ClaimNames claimNames;
    private final InstantSource clock;

    private DevIssuer(ECKey key, String audience, ClaimNames claimNames, InstantSource clock) {
        this.key = key;
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
            return new DevIssuer(ECKey.parse(text), audience, claimNames, clock);
        } catch (ParseException e) {
            throw new IllegalStateException("the development issuer key in " + files.path(KEY_FILE) + " is not a JWK", e);
        }
    }

    /** What the JWT verifier trusts: this issuer with its public key only. */
    public TrustedIssuer trusted() {
        return new TrustedIssuer(ISSUER, new KeySource.Keys(new JWKSet(key.toPublicJWK()).toString()));
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
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims.build());
        try {
            jwt.sign(new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing with the development issuer key failed", e);
        }
        return jwt.serialize();
    }

    private static String generate() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate().toJSONString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate the development issuer key", e);
        }
    }
}
