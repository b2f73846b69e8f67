package io.timestore.server.http;

import io.javalin.http.Context;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import io.timestore.server.problems.ProblemType;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one implementation of pagination cursors, for every listing: opaque, versioned and
 * authenticated. A cursor (format version 1, docs/errors.md "Cursors") is base64url without
 * padding of
 *
 * <pre>
 * version      1 byte   0x01
 * listing      1 byte   {@link Listing#code()}
 * owner        8 bytes  HMAC-SHA256(binding key, "owner" 0x00 || owner)[0..8]
 * parameters   8 bytes  HMAC-SHA256(binding key, "parameters" 0x00 || each parameter as 4-byte length || UTF-8)[0..8]
 * position     n bytes  the keyset position ({@link CursorPosition})
 * tag         32 bytes  HMAC-SHA256(tag key, every byte before the tag)
 * </pre>
 *
 * A client can neither forge nor alter a position, and a cursor is refused by any other listing,
 * tenant or set of query parameters than the one that issued it: each refusal is 400
 * {@code invalid_cursor} saying which, never someone else's page. The position is authenticated,
 * not encrypted; it holds only the sort key of an item the caller was shown, while the scope is
 * kept as keyed digests, so filters and tenants cannot be read back from a cursor.
 *
 * <p>The key is derived from the server's master key ({@code secrets.master-key}), so every
 * instance sharing that key accepts the others' cursors; a new master key invalidates cursors.
 * Thread-safe.
 */
public final class Cursors {
    /** The format version this server writes and reads. */
    static final int VERSION = 1;
    private static final int DIGEST_BYTES = 8;
    private static final int TAG_BYTES = 32;
    private static final int HEADER_BYTES = 2 + 2 * DIGEST_BYTES;
    // Far above any cursor but one past a series with a huge tag set; URLs are bounded before this.
    private static final int MAX_CURSOR_CHARS = 65_536;
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern BEFORE_VERSION_1 = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}");
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecretKeySpec tagKey;
    private final SecretKeySpec bindingKey;

    /** @param key at least 32 secret bytes shared by every instance (derived from the master key) */
    public Cursors(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("the cursor key must be at least 32 bytes");
        }
        var root = new SecretKeySpec(key.clone(), "HmacSHA256");
        this.tagKey = new SecretKeySpec(hmac(root, "timestore-cursor-tag-v1".getBytes(StandardCharsets.UTF_8)), "HmacSHA256");
        this.bindingKey = new SecretKeySpec(hmac(root, "timestore-cursor-binding-v1".getBytes(StandardCharsets.UTF_8)), "HmacSHA256");
    }

    /** A cursor of {@code scope} pointing after the position {@code position} writes. */
    public String encode(CursorScope scope, Consumer<CursorPosition.Writer> position) {
        var writer = new CursorPosition.Writer();
        position.accept(writer);
        var out = new ByteArrayOutputStream();
        out.write(VERSION);
        out.write(scope.listing().code());
        out.writeBytes(ownerDigest(scope));
        out.writeBytes(parametersDigest(scope));
        out.writeBytes(writer.bytes());
        var body = out.toByteArray();
        out.writeBytes(hmac(tagKey, body));
        return ENCODER.encodeToString(out.toByteArray());
    }

    /**
     * The position a cursor of {@code scope} names, read by {@code position}.
     *
     * @throws InvalidRequest 400 {@code invalid_cursor} when the cursor is malformed, of another
     *                        format version, altered, or issued for another listing, tenant or
     *                        query parameters
     */
    public <T> T decode(CursorScope scope, String cursor, Function<CursorPosition.Reader, T> position) {
        var bytes = authenticated(cursor);
        if (bytes[1] != (byte) scope.listing().code()) {
            var issuer = Arrays.stream(Listing.values()).filter(l -> (byte) l.code() == bytes[1]).findFirst();
            throw invalid(issuer.map(l -> "it was issued by the listing of " + l.label() + ", not of " + scope.listing().label())
                    .orElse("it was not issued by the listing of " + scope.listing().label()));
        }
        if (!MessageDigest.isEqual(Arrays.copyOfRange(bytes, 2, 2 + DIGEST_BYTES), ownerDigest(scope))) {
            throw invalid("it was issued to another tenant");
        }
        if (!MessageDigest.isEqual(Arrays.copyOfRange(bytes, 2 + DIGEST_BYTES, HEADER_BYTES), parametersDigest(scope))) {
            throw invalid("it was issued for other query parameters; repeat the query that returned it, changing only cursor and limit");
        }
        var reader = new CursorPosition.Reader(ByteBuffer.wrap(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES - TAG_BYTES).slice());
        try {
            var read = position.apply(reader);
            reader.finish();
            return read;
        } catch (CursorPosition.Malformed e) {
            throw invalid("it does not hold a position of the listing of " + scope.listing().label());
        }
    }

    /** The position named by the request's {@code cursor} parameter, if it sent one; see {@link #decode}. */
    public <T> Optional<T> after(Context ctx, CursorScope scope, Function<CursorPosition.Reader, T> position) {
        return Pages.cursor(ctx).map(cursor -> decode(scope, cursor, position));
    }

    /** The cursor's bytes, once its shape, version and tag are checked. */
    private byte[] authenticated(String cursor) {
        if (cursor.length() > MAX_CURSOR_CHARS) {
            throw invalid("it is longer than " + MAX_CURSOR_CHARS + " characters");
        }
        if (BEFORE_VERSION_1.matcher(cursor).matches()) {
            throw invalid("it was issued by an earlier version of Timestore (before cursor format version " + VERSION + ")");
        }
        if (!BASE64URL.matcher(cursor).matches()) {
            throw invalid("it is not base64url (A-Z a-z 0-9 - _, without padding)");
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(cursor);
        } catch (IllegalArgumentException e) {
            throw invalid("it is not base64url (A-Z a-z 0-9 - _, without padding)");
        }
        if (bytes.length == 0) {
            throw invalid("it is empty");
        }
        int version = Byte.toUnsignedInt(bytes[0]);
        if (version != VERSION) {
            throw invalid("its format version %d is not supported; this server reads version %d".formatted(version, VERSION));
        }
        if (bytes.length < HEADER_BYTES + TAG_BYTES) {
            throw invalid("it is shorter than any cursor of format version " + VERSION);
        }
        var body = Arrays.copyOf(bytes, bytes.length - TAG_BYTES);
        var tag = Arrays.copyOfRange(bytes, bytes.length - TAG_BYTES, bytes.length);
        if (!MessageDigest.isEqual(tag, hmac(tagKey, body))) {
            throw invalid("it was altered, or issued by a server with another master key");
        }
        return bytes;
    }

    private byte[] ownerDigest(CursorScope scope) {
        var out = new ByteArrayOutputStream();
        out.writeBytes("owner".getBytes(StandardCharsets.UTF_8));
        out.write(0);
        out.writeBytes(scope.owner().getBytes(StandardCharsets.UTF_8));
        return Arrays.copyOf(hmac(bindingKey, out.toByteArray()), DIGEST_BYTES);
    }

    private byte[] parametersDigest(CursorScope scope) {
        var out = new ByteArrayOutputStream();
        out.writeBytes("parameters".getBytes(StandardCharsets.UTF_8));
        out.write(0);
        for (var parameter : scope.parameters()) {
            var bytes = parameter.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
            out.writeBytes(bytes);
        }
        return Arrays.copyOf(hmac(bindingKey, out.toByteArray()), DIGEST_BYTES);
    }

    private static InvalidRequest invalid(String reason) {
        return new InvalidRequest(ProblemType.INVALID_CURSOR,
                "the cursor is not valid for this request: " + reason + "; list again without cursor to start from the first page",
                List.of(FieldError.at("/cursor", reason)));
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }
}
