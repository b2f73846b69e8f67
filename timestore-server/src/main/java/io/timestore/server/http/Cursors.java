package io.timestore.server.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Opaque, tamper-proof pagination cursors. A cursor carries the keyset position of the last item
 * of a page, the list it belongs to and the tenant, authenticated with HMAC-SHA256 under a server
 * key: a client can neither forge a position nor replay a cursor against another list or tenant
 * (a modified cursor is a 400, never someone else's page). Thread-safe.
 */
public final class Cursors {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final char SEPARATOR = '\u001f';
    private final SecretKeySpec key;

    public Cursors(byte[] key) {
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    /** A cursor for {@code position} in list {@code scope} (e.g. "tokens:acme"). */
    public String encode(String scope, List<String> position) {
        var payload = (scope + SEPARATOR + String.join(String.valueOf(SEPARATOR), position)).getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(payload) + "." + ENCODER.encodeToString(mac(payload));
    }

    /** The position in {@code scope} a cursor names; 400 when it was not made for this list or was altered. */
    public List<String> decode(String scope, String cursor) {
        int dot = cursor.indexOf('.');
        try {
            if (dot <= 0 || cursor.length() > 4096) {
                throw new IllegalArgumentException("shape");
            }
            var payload = DECODER.decode(cursor.substring(0, dot));
            var signature = DECODER.decode(cursor.substring(dot + 1));
            if (!MessageDigest.isEqual(signature, mac(payload))) {
                throw new IllegalArgumentException("signature");
            }
            var parts = List.of(new String(payload, StandardCharsets.UTF_8).split(String.valueOf(SEPARATOR), -1));
            if (!parts.getFirst().equals(scope)) {
                throw new IllegalArgumentException("scope");
            }
            return parts.subList(1, parts.size());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest("cursor is not valid for this list; start again without it");
        }
    }

    private byte[] mac(byte[] payload) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Arrays.copyOf(mac.doFinal(payload), 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }
}
