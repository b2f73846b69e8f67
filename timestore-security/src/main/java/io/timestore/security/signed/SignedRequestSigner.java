package io.timestore.security.signed;

import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Signs requests with the TS1-HMAC-SHA256 scheme: the client side, for other Java services and
 * for tests. Stateless and thread-safe.
 */
public final class SignedRequestSigner {
    private SignedRequestSigner() {}

    /**
     * The {@code Authorization} value for {@code input}, signing the required headers
     * ({@code host}, {@code x-ts-date}, {@code x-ts-nonce}, and {@code x-tenant-id} when present)
     * plus {@code extraHeaders}. The input must already carry those headers.
     */
    public static String authorization(SignedRequestInput input, String keyId, byte[] secret, List<String> extraHeaders) {
        Objects.requireNonNull(keyId, "keyId");
        var names = new TreeSet<String>(List.of("host", "x-ts-date", "x-ts-nonce"));
        if (!input.header("x-tenant-id").isEmpty()) {
            names.add("x-tenant-id");
        }
        extraHeaders.forEach(name -> names.add(name.toLowerCase(java.util.Locale.ROOT)));
        List<String> signed = List.copyOf(names);
        String date = input.header("x-ts-date").getFirst();
        String signature = CanonicalRequest.signature(secret,
                CanonicalRequest.stringToSign(date, CanonicalRequest.of(input, signed)));
        return "%s Credential=%s, SignedHeaders=%s, Signature=%s"
                .formatted(CanonicalRequest.ALGORITHM, keyId, String.join(";", signed), signature);
    }
}
