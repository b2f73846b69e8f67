package io.timestore.server.delivery.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An endpoint's signing secret in the Standard Webhooks form {@code whsec_<base64 of 24-64 random
 * bytes>}, and the signature it makes: {@code v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>}
 * where the key is the decoded bytes after {@code whsec_}. {@link #toString()} never shows it.
 * Thread-safe.
 */
public final class WebhookSecret {
    static final String PREFIX = "whsec_";
    private static final int MIN_BYTES = 24;
    private static final int MAX_BYTES = 64;
    private final byte[] key;

    private WebhookSecret(byte[] key) {
        this.key = key;
    }

    /**
     * @throws IllegalArgumentException (without the value) if {@code text} is not
     *                                  {@code whsec_} followed by the base64 of 24 to 64 bytes
     */
    public static WebhookSecret parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("must be whsec_ followed by base64 (Standard Webhooks secret form)");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the part after whsec_ is not base64");
        }
        if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
            throw new IllegalArgumentException("must hold %d to %d bytes of key (found %d)".formatted(MIN_BYTES, MAX_BYTES, key.length));
        }
        return new WebhookSecret(key);
    }

    /** A new secret of 32 random bytes. */
    public static WebhookSecret generate(SecureRandom random) {
        var key = new byte[32];
        random.nextBytes(key);
        return new WebhookSecret(key);
    }

    /** The secret in its shareable form {@code whsec_...}: show once, never log. */
    public String reveal() {
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** The {@code webhook-signature} header value for one message. */
    public String sign(String messageId, long timestampSeconds, byte[] body) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "whsec_****";
    }
}
