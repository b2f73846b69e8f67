package io.timestore.security.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable snapshot of one issuer's usable verification keys, each bound to the single
 * algorithm its type allows: RSA (2048 bits or more) to RS256, EC P-256 to ES256, OKP Ed25519 to
 * EdDSA. Binding the algorithm to the key — not trusting the token's {@code alg} — is what makes
 * "re-sign with the public key as an HMAC secret" and similar confusions impossible.
 */
final class KeySet {
    private static final int MIN_RSA_BITS = 2048;

    /** A verification key and the only algorithm it verifies. */
    record VerificationKey(String kid, JWSAlgorithm algorithm, JWSVerifier verifier) {}

    private record Ref(String kid, JWSAlgorithm algorithm) {}

    private final Map<Ref, VerificationKey> byKidAndAlgorithm;
    private final Set<String> kids;
    private final List<VerificationKey> withoutKid;
    private final Instant fetchedAt;

    private KeySet(List<VerificationKey> keys, Instant fetchedAt) {
        var map = new HashMap<Ref, VerificationKey>();
        var ids = new HashSet<String>();
        var anonymous = new ArrayList<VerificationKey>();
        for (VerificationKey key : keys) {
            if (key.kid() == null) {
                anonymous.add(key);
            } else {
                map.putIfAbsent(new Ref(key.kid(), key.algorithm()), key);
                ids.add(key.kid());
            }
        }
        this.byKidAndAlgorithm = Map.copyOf(map);
        this.kids = Set.copyOf(ids);
        this.withoutKid = List.copyOf(anonymous);
        this.fetchedAt = fetchedAt;
    }

    /** Keeps the keys usable for signature verification and silently skips the rest (see class doc). */
    static KeySet of(JWKSet jwks, Instant fetchedAt) {
        var keys = new ArrayList<VerificationKey>();
        for (JWK jwk : jwks.getKeys()) {
            // Symmetric keys have no public part (toPublicJWK() is null): never usable here.
            JWK publicJwk = jwk.toPublicJWK();
            if (publicJwk != null) {
                toVerificationKey(publicJwk).ifPresent(keys::add);
            }
        }
        return new KeySet(keys, fetchedAt);
    }

    Instant fetchedAt() {
        return fetchedAt;
    }

    boolean isEmpty() {
        return byKidAndAlgorithm.isEmpty() && withoutKid.isEmpty();
    }

    /**
     * The key for {@code kid} and {@code algorithm}; empty when the key id is unknown (the caller
     * may refetch). A token without {@code kid} is accepted only when exactly one key without id
     * fits its algorithm.
     *
     * @throws AuthenticationFailure {@code algorithm_not_allowed} when the key exists but is of
     *         another type than the token's algorithm requires
     */
    Optional<VerificationKey> find(String kid, JWSAlgorithm algorithm) {
        if (kid == null) {
            List<VerificationKey> candidates = withoutKid.stream().filter(k -> k.algorithm().equals(algorithm)).toList();
            return candidates.size() == 1 ? Optional.of(candidates.getFirst()) : Optional.empty();
        }
        VerificationKey key = byKidAndAlgorithm.get(new Ref(kid, algorithm));
        if (key == null && kids.contains(kid)) {
            throw new AuthenticationFailure(Reason.ALGORITHM_NOT_ALLOWED,
                    "the token's algorithm does not match the type of the key it names");
        }
        return Optional.ofNullable(key);
    }

    private static Optional<VerificationKey> toVerificationKey(JWK jwk) {
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
            return Optional.empty();
        }
        try {
            VerificationKey key = switch (jwk) {
                case RSAKey rsa when rsa.size() >= MIN_RSA_BITS ->
                        new VerificationKey(rsa.getKeyID(), JWSAlgorithm.RS256, new RSASSAVerifier(rsa));
                case ECKey ec when Curve.P_256.equals(ec.getCurve()) ->
                        new VerificationKey(ec.getKeyID(), JWSAlgorithm.ES256, new ECDSAVerifier(ec));
                case OctetKeyPair okp when Curve.Ed25519.equals(okp.getCurve()) ->
                        new VerificationKey(okp.getKeyID(), JWSAlgorithm.EdDSA, new Ed25519Verifier(okp));
                default -> null;
            };
            // A key that declares an algorithm may only be used with that algorithm (RFC 7517 §4.4).
            if (key == null || (jwk.getAlgorithm() != null && !jwk.getAlgorithm().equals(key.algorithm()))) {
                return Optional.empty();
            }
            return Optional.of(key);
        } catch (JOSEException e) {
            return Optional.empty();
        }
    }
}
