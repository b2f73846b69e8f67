package io.timestore.audit.checkpoint;

import io.timestore.audit.ChainHead;
import io.timestore.audit.tlog.NoteSigner;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs checkpoints with the sequencer's Ed25519 key. Refuses to sign a checkpoint that would not
 * move strictly forward — in seq and in time — from the previous one, so a clock stepping back or a
 * confused sequencer cannot produce a checkpoint that looks older than the truth.
 *
 * <p>Key rotation (docs/security.md "Key rotation"): {@link #rotate} makes a new key the active
 * one without a restart. Chain checkpoints are signed by the active key only (each names its key
 * id, and verifiers look the public key up among every key ever published). The previous key stays
 * <em>retiring</em> for a grace period, during which C2SP tree notes carry its signature next to
 * the active key's, so a witness that trusts only the old key keeps verifying while its operator
 * adds the new one; once the grace period has passed the old key signs nothing more (retired). Its
 * public key stays published, so everything it signed still verifies.
 *
 * <p>Thread-safe: the keys are one immutable state behind a volatile field, replaced whole by
 * {@link #rotate}; a fresh {@link Signature} per call (checkpoints are rare). The note signers of
 * each (key name, key) are made once and kept ({@link NoteSigner#of} signs and verifies a probe to
 * check the pair, which cost the sequencer two Ed25519 operations per tree checkpoint).
 */
public final class CheckpointSigner {
    private static final Logger log = LoggerFactory.getLogger(CheckpointSigner.class);

    /** A key that signed before the active one, co-signing notes until {@code until}. */
    private record Retiring(KeyPair pair, String keyId, Instant until) {}

    /** The active key and the retiring ones; immutable. */
    private record Keys(KeyPair active, String keyId, List<Retiring> retiring) {}

    private final InstantSource clock;
    private volatile Keys keys;
    /** {@link NoteSigner}s by key name and key id; emptied when the active key changes. */
    private final Map<String, NoteSigner> noteSigners = new ConcurrentHashMap<>();

    public CheckpointSigner(KeyPair keyPair, InstantSource clock) {
        Objects.requireNonNull(keyPair, "keyPair");
        CheckpointKeys.requireEd25519(keyPair.getPrivate());
        this.keys = new Keys(keyPair, CheckpointKeys.keyId(keyPair.getPublic()), List.of());
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The active key's id. */
    public String keyId() {
        return keys.keyId();
    }

    /** The active key's public half (what must be published before it signs). */
    public PublicKey publicKey() {
        return keys.active().getPublic();
    }

    /** The ids of the keys still co-signing notes (their grace period has not passed), oldest first. */
    public List<String> retiringKeyIds() {
        Instant now = clock.instant();
        return keys.retiring().stream().filter(r -> now.isBefore(r.until())).map(Retiring::keyId).toList();
    }

    /**
     * Makes {@code next} the active key; the key active until now co-signs notes for {@code grace}.
     * A key already active is left as it is. Publish {@code next} (see {@link CheckpointStore#registerKey})
     * before calling this, so no checkpoint names a key verifiers cannot find.
     *
     * @return whether the active key changed
     */
    public synchronized boolean rotate(KeyPair next, Duration grace) {
        Objects.requireNonNull(next, "next");
        CheckpointKeys.requireEd25519(next.getPrivate());
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative");
        }
        Keys current = keys;
        String nextId = CheckpointKeys.keyId(next.getPublic());
        if (nextId.equals(current.keyId())) {
            return false;
        }
        Instant now = clock.instant();
        List<Retiring> retiring = new ArrayList<>();
        current.retiring().stream().filter(r -> now.isBefore(r.until()) && !r.keyId().equals(nextId)).forEach(retiring::add);
        retiring.add(new Retiring(current.active(), current.keyId(), now.plus(grace)));
        keys = new Keys(next, nextId, List.copyOf(retiring));
        noteSigners.clear();
        log.atInfo().addKeyValue("key_id", nextId).addKeyValue("retiring_key_id", current.keyId())
                .log("audit checkpoint key {} is active; {} co-signs tree notes until {}, then is retired",
                        nextId, current.keyId(), now.plus(grace));
        return true;
    }

    /** A signer of C2SP notes with the active key, under the key name {@code name} (a log's origin). */
    public NoteSigner noteSigner(String name) {
        Keys current = keys;
        return noteSigner(name, current.keyId(), current.active());
    }

    /**
     * The signers of a C2SP note under the key name {@code name}: the active key first, then every
     * key whose grace period has not passed.
     */
    public List<NoteSigner> noteSigners(String name) {
        Keys current = keys;
        Instant now = clock.instant();
        List<NoteSigner> signers = new ArrayList<>();
        signers.add(noteSigner(name, current.keyId(), current.active()));
        current.retiring().stream().filter(r -> now.isBefore(r.until()))
                .forEach(r -> signers.add(noteSigner(name, r.keyId(), r.pair())));
        return List.copyOf(signers);
    }

    private NoteSigner noteSigner(String name, String keyId, KeyPair pair) {
        // A key id names one public key; a space separates it from a key name, which has none.
        return noteSigners.computeIfAbsent(keyId + " " + name, unused -> NoteSigner.of(name, pair));
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
        Keys current = keys;
        String keyId = current.keyId();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        byte[] content = Checkpoint.signedBytes(head.tenantId(), head.seq(), head.hash(), now, keyId);
        String signature;
        try {
            Signature ed25519 = Signature.getInstance(CheckpointKeys.ALGORITHM);
            ed25519.initSign(current.active().getPrivate());
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
