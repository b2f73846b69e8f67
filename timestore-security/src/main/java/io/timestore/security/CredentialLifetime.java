package io.timestore.security;

import io.timestore.security.AuthenticationFailure.Reason;
import java.time.Instant;

/**
 * The one rule for when a stored credential (an API token or a signing key) may still be used:
 * not revoked, and {@code now} before its expiry (refused from {@code expiresAt} on). Checked only
 * after the caller has proved it holds the secret, so only a holder learns that a credential is
 * revoked or expired. Stateless.
 */
public final class CredentialLifetime {
    private CredentialLifetime() {}

    /**
     * @param kind what the credential is called in the message, e.g. {@code "API token"}
     * @throws AuthenticationFailure {@code token_revoked} when revoked, {@code token_expired} when expired
     */
    public static void requireUsable(String kind, boolean revoked, Instant expiresAt, Instant now) {
        if (revoked) {
            throw new AuthenticationFailure(Reason.TOKEN_REVOKED, "the " + kind + " has been revoked");
        }
        if (!now.isBefore(expiresAt)) {
            throw new AuthenticationFailure(Reason.TOKEN_EXPIRED, "the " + kind + " has expired");
        }
    }
}
