package io.timestore.audit.checkpoint;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Checks checkpoint signatures against trusted Ed25519 public keys, looked up by key id (so keys
 * can rotate: keep the old public keys for the checkpoints they signed). Thread-safe.
 */
public final class CheckpointVerifier {
    /** What a signature check found. */
    public enum Check {
        VALID,
        /** No trusted key has the checkpoint's key id. */
        UNKNOWN_KEY,
        /** The signature does not verify over the checkpoint's signed bytes. */
        BAD_SIGNATURE
    }

    private final Map<String, PublicKey> keys;

    /** @throws IllegalArgumentException if a key is not Ed25519 */
    public CheckpointVerifier(Collection<PublicKey> trustedKeys) {
        this.keys = Map.copyOf(Objects.requireNonNull(trustedKeys, "trustedKeys").stream()
                .collect(Collectors.toMap(CheckpointKeys::keyId, Function.identity(), (a, b) -> a)));
    }

    public Check check(Checkpoint checkpoint) {
        PublicKey key = keys.get(checkpoint.keyId());
        if (key == null) {
            return Check.UNKNOWN_KEY;
        }
        try {
            Signature ed25519 = Signature.getInstance(CheckpointKeys.ALGORITHM);
            ed25519.initVerify(key);
            ed25519.update(checkpoint.signedBytes());
            return ed25519.verify(checkpoint.signatureBytes()) ? Check.VALID : Check.BAD_SIGNATURE;
        } catch (GeneralSecurityException e) {
            // A malformed signature is a bad signature, not an error of the verifier.
            return Check.BAD_SIGNATURE;
        }
    }

    /** The trusted key ids. */
    public java.util.Set<String> keyIds() {
        return keys.keySet();
    }
}
