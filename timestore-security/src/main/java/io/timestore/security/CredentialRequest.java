package io.timestore.security;

import io.timestore.security.signed.SignedRequestInput;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What the {@link Authenticator} needs from an HTTP request, independent of any framework.
 *
 * @param authorization every {@code Authorization} header value as received (empty when absent)
 * @param signedRequest builds the signed-request view of the request; called only for
 *                      {@code TS1-HMAC-SHA256} credentials, so the server hashes the body only then
 */
public record CredentialRequest(List<String> authorization, Supplier<SignedRequestInput> signedRequest) {
    public CredentialRequest {
        authorization = List.copyOf(authorization);
        Objects.requireNonNull(signedRequest, "signedRequest");
    }

    /** A request whose only credential is {@code Authorization} (no signed-request view needed). */
    public static CredentialRequest ofAuthorization(List<String> authorization) {
        return new CredentialRequest(authorization, () -> {
            throw new IllegalStateException("this request has no signed-request view");
        });
    }
}
