package io.timestore.security.signed;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A request as the signed-request scheme sees it, independent of any HTTP framework. The server
 * builds one from the raw request (path and query exactly as sent, before any decoding).
 *
 * @param method     the request method as sent, for example {@code POST}
 * @param rawPath    the path as sent, still percent-encoded, for example {@code /storage/v1/datasets/cpu}
 * @param rawQuery   the query string as sent without the {@code ?}; empty when there is none
 * @param headers    every header, name to values in arrival order; names are case-insensitive
 *                   and are lower-cased here
 * @param bodySha256 the lower-case hex SHA-256 of the body bytes (of the empty string if none)
 */
public record SignedRequestInput(
        String method, String rawPath, String rawQuery, Map<String, List<String>> headers, String bodySha256) {

    public SignedRequestInput {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(rawPath, "rawPath");
        rawQuery = rawQuery == null ? "" : rawQuery;
        Objects.requireNonNull(bodySha256, "bodySha256");
        if (bodySha256.length() != 64 || !bodySha256.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("bodySha256 must be 64 lower-case hex digits");
        }
        var lower = new LinkedHashMap<String, List<String>>();
        headers.forEach((name, values) ->
                lower.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).addAll(values));
        var copy = new LinkedHashMap<String, List<String>>();
        lower.forEach((name, values) -> copy.put(name, List.copyOf(values)));
        headers = Map.copyOf(copy);
    }

    /** The values of header {@code name} (any case); empty when absent. */
    public List<String> header(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** The lower-case hex SHA-256 of {@code body}, for {@link #bodySha256()}. */
    public static String sha256Hex(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
