package io.timestore.security;

import java.util.Objects;

/**
 * The one exception by which authentication and tenant resolution refuse a request. The server
 * maps it once to an RFC 9457 problem: {@link Reason#code()} becomes the problem's {@code code},
 * {@link Reason#httpStatus()} its status, and {@link #getMessage()} its {@code detail}.
 *
 * <p>Messages are written for the client and the log: they say which rule failed, never a value
 * taken from the credential (no token, signature, secret, claim or key fragment), so they are safe
 * to show and to log. The exception carries no stack trace: failures are expected input, can be
 * provoked cheaply by anyone, and a stack trace would never be shown anyway.
 */
public final class AuthenticationFailure extends RuntimeException {

    /** Why a request was refused. Codes are stable and documented; never rename one. */
    public enum Reason {
        CREDENTIALS_MISSING("credentials_missing", 401),
        CREDENTIALS_MALFORMED("credentials_malformed", 401),
        TOKEN_INVALID("token_invalid", 401),
        TOKEN_TOO_LARGE("token_too_large", 401),
        TOKEN_EXPIRED("token_expired", 401),
        TOKEN_NOT_YET_VALID("token_not_yet_valid", 401),
        TOKEN_LIFETIME_EXCEEDED("token_lifetime_exceeded", 401),
        TOKEN_REVOKED("token_revoked", 401),
        HEADER_NOT_ALLOWED("header_not_allowed", 401),
        ISSUER_UNTRUSTED("issuer_untrusted", 401),
        AUDIENCE_MISMATCH("audience_mismatch", 401),
        ALGORITHM_NOT_ALLOWED("algorithm_not_allowed", 401),
        KEY_UNKNOWN("key_unknown", 401),
        SIGNATURE_INVALID("signature_invalid", 401),
        SIGNED_HEADERS_INCOMPLETE("signed_headers_incomplete", 401),
        REPLAY("replay", 401),
        REQUEST_EXPIRED("request_expired", 401),
        TENANT_CLAIM_INVALID("tenant_claim_invalid", 401),
        TENANT_MISSING("tenant_missing", 401),
        TENANT_MALFORMED("tenant_malformed", 400),
        TENANT_AMBIGUOUS("tenant_ambiguous", 400),
        TENANT_MISMATCH("tenant_mismatch", 403),
        TENANT_FORBIDDEN("tenant_forbidden", 403),
        /** The issuer's keys could not be fetched and none are cached: the caller may retry. */
        KEY_SOURCE_UNAVAILABLE("key_source_unavailable", 503);

        private final String code;
        private final int httpStatus;

        Reason(String code, int httpStatus) {
            this.code = code;
            this.httpStatus = httpStatus;
        }

        /** The stable snake_case code, used as the problem's {@code code} and as a metric label. */
        public String code() {
            return code;
        }

        /** The HTTP status this reason maps to. */
        public int httpStatus() {
            return httpStatus;
        }
    }

    /**
     * The existing credential a failure is held against: an API token or signing key that exists
     * but whose secret or signature did not match, or the subject of a JWT whose signature verified
     * but whose claims were refused. Servers count failures per credential to block brute force
     * (docs/security.md, "Automatic blocking"); a credential an attacker merely names (an unknown
     * id, an unverified JWT's {@code sub}) is never attributed, so naming a victim's id costs the
     * victim nothing unless the credential really exists and the request really failed its proof.
     *
     * @param method how the credential authenticates
     * @param id     its id (token id, key id, JWT {@code sub}), never a secret
     */
    public record Credential(AuthMethod method, String id) {
        public Credential {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(id, "id");
        }
    }

    private final Reason reason;
    private final transient Credential credential;

    /**
     * @param reason why the request was refused
     * @param detail a client-safe sentence naming the rule that failed; never a credential fragment
     */
    public AuthenticationFailure(Reason reason, String detail) {
        this(reason, detail, null);
    }

    private AuthenticationFailure(Reason reason, String detail, Credential credential) {
        super(Objects.requireNonNull(detail, "detail"), null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.credential = credential;
    }

    /** This failure, held against {@code credential} (see {@link Credential} for when a verifier may). */
    public AuthenticationFailure against(AuthMethod method, String id) {
        return new AuthenticationFailure(reason, getMessage(), new Credential(method, id));
    }

    public Reason reason() {
        return reason;
    }

    /** The existing credential this failure is held against, if any. */
    public java.util.Optional<Credential> credential() {
        return java.util.Optional.ofNullable(credential);
    }

    /** The short label for metrics ({@code auth_failures_total{reason="token_expired"}}). */
    public String label() {
        return reason.code;
    }

    public int httpStatus() {
        return reason.httpStatus;
    }

    @Override
    public String toString() {
        return "AuthenticationFailure[" + reason.code + "]: " + getMessage();
    }
}
