package io.timestore.server.identity;

import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotation of the audit checkpoint key without a restart (docs/security.md "Key rotation"): watches
 * the key file ({@code audit.signing-key-file}, or {@code <data-dir>/keys/audit-checkpoint.key}) and,
 * when it holds a different valid key pair, publishes the new public key in
 * {@code audit_signing_keys} and then makes it the signer's active key; the previous key co-signs
 * tree notes for the grace period (see {@link CheckpointSigner#rotate}). A file that does not hold
 * a usable key pair is refused with a warning and the current key keeps signing, as a TLS
 * certificate reload does. Thread-safe: one daemon thread does all the work.
 */
public final class CheckpointKeyRotation implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckpointKeyRotation.class);

    private final Path file;
    private final CheckpointSigner signer;
    private final CheckpointStore store;
    private final Duration grace;
    private final ScheduledExecutorService watcher;
    private String lastText;

    private CheckpointKeyRotation(Path file, CheckpointSigner signer, CheckpointStore store, Duration grace) {
        this.file = Objects.requireNonNull(file, "file");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.store = Objects.requireNonNull(store, "store");
        this.grace = Objects.requireNonNull(grace, "grace");
        this.lastText = read();
        this.watcher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("timestore-checkpoint-key").factory());
    }

    /** Watches {@code file} every {@code interval}; rotations give the old key {@code grace}. */
    public static CheckpointKeyRotation start(Path file, CheckpointSigner signer, CheckpointStore store, Duration interval, Duration grace) {
        var rotation = new CheckpointKeyRotation(file, signer, store, grace);
        long every = interval.toMillis();
        rotation.watcher.scheduleWithFixedDelay(rotation::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
        return rotation;
    }

    /** Checks the file once; rotates when it holds a new, usable key pair. */
    void reloadIfChanged() {
        String text = read();
        if (text == null || text.equals(lastText)) {
            return;
        }
        lastText = text;
        try {
            var pair = CheckpointKeys.fromFileText(text);
            if (CheckpointKeys.keyId(pair.getPublic()).equals(signer.keyId())) {
                return;
            }
            // Published first: no checkpoint may name a key that verifiers cannot find.
            store.registerKey(pair.getPublic());
            signer.rotate(pair, grace);
        } catch (IllegalArgumentException e) {
            log.warn("audit checkpoint key file {} does not hold a usable Ed25519 key pair ({}); still signing with key {}",
                    file, e.getMessage(), signer.keyId());
        } catch (RuntimeException e) {
            lastText = null; // retried on the next check
            log.warn("audit checkpoint key rotation failed; still signing with key {}", signer.keyId(), e);
        }
    }

    private String read() {
        try {
            return Files.exists(file) ? Files.readString(file).strip() : null;
        } catch (IOException e) {
            log.warn("cannot read the audit checkpoint key file {} ({})", file, e.getClass().getSimpleName());
            return null;
        }
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
