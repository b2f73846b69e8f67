package io.timestore.server.idempotency;

import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.problems.InvalidRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a mutation at most once per Idempotency-Key (G5), for the audit step around every route:
 * reads the key, looks it up and hands back the reply to replay, or arranges for the request's
 * transaction to keep its reply; after a failure, looks for the reply of an attempt that ended
 * meanwhile; after a refusal, keeps the reply so a retry gets it again. Knows nothing of HTTP
 * frameworks: the caller reads the header and the content, and sends what it is given.
 * Storage and its rules are {@link IdempotencyKeys}. Thread-safe.
 */
public final class IdempotentRequests {
    private static final Logger log = LoggerFactory.getLogger(IdempotentRequests.class);
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

    /** A key a request holds: whose it is, the key, and the SHA-256 fingerprint of the request's content. */
    public record Held(SecurityContext security, String key, byte[] fingerprint) {
        public Held {
            Objects.requireNonNull(security, "security");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(fingerprint, "fingerprint");
        }
    }

    private final IdempotencyKeys keys;

    public IdempotentRequests(IdempotencyKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /**
     * The key a request sent, from the values of its {@code Idempotency-Key} header.
     *
     * @throws InvalidRequest when the header is repeated or is not 1-255 visible ASCII characters
     */
    public static Optional<String> key(List<String> headerValues) {
        if (headerValues.isEmpty()) {
            return Optional.empty();
        }
        if (headerValues.size() > 1 || !KEY.matcher(headerValues.getFirst()).matches()) {
            throw new InvalidRequest("Idempotency-Key must be sent once, as 1-255 visible ASCII characters");
        }
        return Optional.of(headerValues.getFirst());
    }

    /** What makes a retry "the same request": method, path, query, content type and body. */
    public static byte[] fingerprint(String method, String path, String query, String contentType, byte[] body) {
        try {
            var digest = MessageDigest.getInstance("SHA-256");
            for (var part : new String[] {method, path, query, contentType}) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return digest.digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    /**
     * Before the handler runs: the reply to send again if this principal already used the key for
     * this content (the handler must then not run); otherwise empty, and the request's transaction
     * will keep its reply under the key, with its change and its audit event.
     *
     * @throws io.timestore.server.problems.Conflict when the key was used for other content
     */
    public Optional<Reply> begin(Held held, RequestAudit audit) {
        if (keys.claim(held.security(), held.key(), held.fingerprint()) instanceof IdempotencyKeys.Claim.Replayed replayed) {
            return Optional.of(replayed.reply());
        }
        audit.keepReplyWith((transaction, reply) ->
                keys.keep(transaction, held.security(), held.key(), held.fingerprint(), reply));
        return Optional.empty();
    }

    /**
     * After the handler failed: the reply of a request with the same key and content that ended
     * meanwhile (a duplicate that ran side by side and committed first, so this one failed on its
     * locks or on the key; or this very request, whose commit outcome was unknown), if any.
     * A lookup that fails answers empty: the failure is then answered as usual.
     */
    public Optional<Reply> keptAfterFailure(Held held) {
        try {
            return keys.kept(held.security(), held.key(), held.fingerprint());
        } catch (RuntimeException e) {
            log.warn("could not look up the Idempotency-Key after a failure: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Keeps the reply of a request that committed nothing but was refused below 500, which a retry
     * would get again. If this fails the retry runs as new, which is safe because nothing was applied.
     */
    public void keepRefusal(Held held, Reply reply) {
        try {
            keys.keepAfter(held.security(), held.key(), held.fingerprint(), reply);
        } catch (RuntimeException e) {
            log.warn("could not keep the reply of an Idempotency-Key: {}", e.getMessage());
        }
    }
}
