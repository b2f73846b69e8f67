package io.timestore.audit.checkpoint;

import io.timestore.audit.ChainHead;
import io.timestore.audit.tlog.NoteSigner;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Objects;

/**
 * Signs checkpoints with the sequencer's Ed25519 key. Refuses to sign a checkpoint that would not
 * move strictly forward — in seq and in time — from the previous one, so a clock stepping back or a
 * confused sequencer cannot produce a checkpoint that looks older than the truth. Thread-safe
 * (a fresh {@link Signature} per call; checkpoints are rare).
 */
public final class CheckpointSigner {
    private final KeyPair keyPair;
    private final String keyId;
    private final InstantSource clock;

    public CheckpointSigner(KeyPair keyPair, InstantSource clock) {
        this.keyPair = Objects.requireNonNull(keyPair, "keyPair");
        CheckpointKeys.requireEd25519(keyPair.getPrivate());
        this.keyId = CheckpointKeys.keyId(keyPair.getPublic());
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public String keyId() {
        return keyId;
    }

    /** A signer of C2SP notes with this key, under the key name {@code name} (a log's origin). */
    public NoteSigner noteSigner(String name) {
        return NoteSigner.of(name, keyPair);
    }

    /**
     * Signs the chain position {@code head} at the current time.
     *
     * @param previous the tenant's latest checkpoint, or {@code null} for its first
     * @throws IllegalArgumentException if {@code head} is empty, or does not follow {@code previous}
     *                                  in seq or in time
     */
    public Checkpoint sign(ChainHead head, Checkpoint previous) {
        Objects.requireNonNull(head, "head");
        if (head.isGenesis()) {
            throw new IllegalArgumentException("nothing to checkpoint: the chain of " + head.tenantId() + " is empty");
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        byte[] content = Checkpoint.signedBytes(head.tenantId(), head.seq(), head.hash(), now, keyId);
        String signature;
        try {
            Signature ed25519 = Signature.getInstance(CheckpointKeys.ALGORITHM);
            ed25519.initSign(keyPair.getPrivate());
            ed25519.update(content);
            signature = Base64.getEncoder().encodeToString(ed25519.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
        Checkpoint checkpoint = new Checkpoint(head.tenantId(), head.seq(), head.hash(), now, keyId, signature);
        // A checkpoint older than the last one would let a verifier be rolled back: refuse it.
        checkpoint.requireFollows(previous);
        return checkpoint;
    }
}
