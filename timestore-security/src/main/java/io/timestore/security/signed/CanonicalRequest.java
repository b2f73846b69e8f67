package io.timestore.security.signed;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The TS1-HMAC-SHA256 canonical request, string to sign and signature, exactly as specified in
 * {@code docs/signed-requests.md}. Pure functions, shared by {@link SignedRequestVerifier} and
 * {@link SignedRequestSigner} so signer and verifier cannot disagree.
 */
public final class CanonicalRequest {
    public static final String ALGORITHM = "TS1-HMAC-SHA256";
    private static final HexFormat HEX = HexFormat.of();
    private static final Comparator<String[]> BY_NAME_THEN_VALUE =
            Comparator.<String[], String>comparing(p -> p[0]).thenComparing(p -> p[1]);

    private CanonicalRequest() {}

    /**
     * The canonical request text.
     *
     * @param signedHeaders lower-case header names, sorted, each present in {@code input}
     * @throws IllegalArgumentException when the query has a malformed percent escape or a signed
     *         header is absent or holds a line break
     */
    public static String of(SignedRequestInput input, List<String> signedHeaders) {
        var out = new StringBuilder(256);
        out.append(input.method()).append('\n');
        out.append(input.rawPath().isEmpty() ? "/" : input.rawPath()).append('\n');
        out.append(canonicalQuery(input.rawQuery())).append('\n');
        for (String name : signedHeaders) {
            out.append(name).append(':').append(canonicalHeaderValue(input.header(name), name)).append('\n');
        }
        out.append('\n');
        out.append(String.join(";", signedHeaders)).append('\n');
        out.append(input.bodySha256());
        return out.toString();
    }

    /**
     * The query with every name and value decoded and re-encoded per RFC 3986 (only
     * {@code A-Z a-z 0-9 - . _ ~} left as is, everything else {@code %XX} upper-case), sorted by
     * name then value, joined with {@code &}. {@code +} is a literal plus, not a space. A parameter
     * without {@code =} gets an empty value; empty parameters ({@code a=1&&b=2}) are dropped.
     */
    public static String canonicalQuery(String rawQuery) {
        if (rawQuery.isEmpty()) {
            return "";
        }
        var pairs = new ArrayList<String[]>();
        for (String parameter : rawQuery.split("&", -1)) {
            if (parameter.isEmpty()) {
                continue;
            }
            int eq = parameter.indexOf('=');
            String name = eq < 0 ? parameter : parameter.substring(0, eq);
            String value = eq < 0 ? "" : parameter.substring(eq + 1);
            pairs.add(new String[] {encode(decode(name)), encode(decode(value))});
        }
        pairs.sort(BY_NAME_THEN_VALUE);
        var out = new StringBuilder();
        for (String[] pair : pairs) {
            if (!out.isEmpty()) {
                out.append('&');
            }
            out.append(pair[0]).append('=').append(pair[1]);
        }
        return out.toString();
    }

    /** {@code TS1-HMAC-SHA256 \n <x-ts-date> \n hex(SHA-256(canonical request))}. */
    public static String stringToSign(String date, String canonicalRequest) {
        return ALGORITHM + "\n" + date + "\n" + HEX.formatHex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
    }

    /** Lower-case hex {@code HMAC-SHA256(secret, stringToSign)}. */
    public static String signature(byte[] secret, String stringToSign) {
        return HEX.formatHex(hmac(secret, stringToSign));
    }

    static byte[] hmac(byte[] secret, String stringToSign) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    /** Values trimmed of surrounding spaces and tabs; a repeated header's values joined with {@code ,}. */
    private static String canonicalHeaderValue(List<String> values, String name) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("signed header " + name + " is not in the request");
        }
        var out = new StringBuilder();
        for (String value : values) {
            if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("header " + name + " holds a line break");
            }
            if (!out.isEmpty()) {
                out.append(',');
            }
            out.append(value.strip());
        }
        return out.toString();
    }

    private static byte[] decode(String component) {
        var out = new ByteArrayOutputStream(component.length());
        byte[] bytes = component.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '%') {
                out.write(bytes[i]);
                continue;
            }
            if (i + 2 >= bytes.length) {
                throw new IllegalArgumentException("truncated percent escape in query");
            }
            int hi = Character.digit(bytes[i + 1], 16);
            int lo = Character.digit(bytes[i + 2], 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("invalid percent escape in query");
            }
            out.write(hi * 16 + lo);
            i += 2;
        }
        return out.toByteArray();
    }

    private static String encode(byte[] bytes) {
        var out = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
