package io.timestore.audit;

import io.timestore.audit.canonical.EventText;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Deterministic event ids, so a retried request or a second attempt to record the same request
 * cannot create a second event (G5): the id is a function of the request's identity.
 *
 * <p>Derivation (documented in {@code docs/audit-events.md}; changing it is a breaking change):
 * <pre>
 *   input  = "ts-audit-event-id-v1" || part_1 || part_2 || ...
 *            where each part is its UTF-8 length as 4 bytes big-endian, then its UTF-8 bytes
 *   parts  = ["idempotency-key", tenant, principal, key]   when an Idempotency-Key was sent
 *            ["request", tenant, request]                   otherwise
 *   digest = SHA-256(input)
 *   uuid   = digest[0..16] with byte 6 = (byte 6 &amp; 0x0F) | 0x80     (version 8)
 *                              byte 8 = (byte 8 &amp; 0x3F) | 0x80     (RFC 9562 variant)
 * </pre>
 * This is the name-based SHA-256 UUIDv8 of RFC 9562 Appendix B.2. The length prefixes keep
 * {@code ("a:b", "c")} and {@code ("a", "b:c")} apart; {@code tenant} is the tenant id or
 * {@link AuditEvent#PLATFORM_PARTITION}.
 *
 * <p>{@code request} must identify one request uniquely: use the server-generated request identity,
 * not a client-supplied {@code X-Request-ID}, which a client may repeat. Thread-safe (stateless).
 */
public final class EventIds {
    private static final byte[] DOMAIN = "ts-audit-event-id-v1".getBytes(StandardCharsets.US_ASCII);
    /** Idempotency-Key: 1-255 visible ASCII characters (issue #6). */
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

    private EventIds() {}

    /**
     * The id of the event of a request sent with an {@code Idempotency-Key}: the same for every
     * retry by the same principal in the same tenant.
     *
     * @throws IllegalArgumentException if the key is not 1-255 visible ASCII characters
     */
    public static UUID forIdempotencyKey(String tenant, String principal, String idempotencyKey) {
        AuditEvent.checkPartition(tenant);
        EventText.required(principal, "principal", 256);
        EventText.matching(idempotencyKey, "idempotencyKey", IDEMPOTENCY_KEY);
        return derive("idempotency-key", tenant, principal, idempotencyKey);
    }

    /** The id of the event of a request without an {@code Idempotency-Key}. */
    public static UUID forRequest(String tenant, String requestId) {
        AuditEvent.checkPartition(tenant);
        EventText.required(requestId, "requestId", 256);
        return derive("request", tenant, requestId);
    }

    private static UUID derive(String... parts) {
        MessageDigest sha256 = sha256();
        sha256.update(DOMAIN);
        for (String part : parts) {
            byte[] bytes = Objects.requireNonNull(part).getBytes(StandardCharsets.UTF_8);
            sha256.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
            sha256.update(bytes);
        }
        byte[] digest = sha256.digest();
        digest[6] = (byte) ((digest[6] & 0x0F) | 0x80);
        digest[8] = (byte) ((digest[8] & 0x3F) | 0x80);
        ByteBuffer buffer = ByteBuffer.wrap(digest, 0, 16);
        return new UUID(buffer.getLong(), buffer.getLong());
    }

    /** A new SHA-256 digest; the JDK always provides one, so this never fails. Not thread-safe (a new one per call). */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
