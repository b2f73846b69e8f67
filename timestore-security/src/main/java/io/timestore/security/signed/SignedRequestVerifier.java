package io.timestore.security.signed;

import io.timestore.security.AuthMethod;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.CredentialLifetime;
import io.timestore.security.Principal;
import io.timestore.security.PrincipalKind;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies TS1-HMAC-SHA256 signed requests ({@code docs/signed-requests.md}).
 *
 * <p>Checks, in order: the {@code Authorization} parameters parse; {@code host},
 * {@code x-ts-date}, {@code x-ts-nonce} — and {@code x-tenant-id} whenever the request carries
 * it — are signed; the date is within the window of now; the key exists; the signature matches
 * (constant-time); the key is neither revoked nor expired ({@link CredentialLifetime}, the rule
 * API tokens follow too); and only then the nonce is new for the key. Remembering the
 * nonce last means unauthenticated requests cannot fill the nonce store.
 *
 * <p>Thread-safe if its stores are.
 */
public final class SignedRequestVerifier {
    /** The default acceptance window around the signer's clock: ±5 minutes. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withResolverStyle(ResolverStyle.STRICT);
    private static final List<String> ALWAYS_SIGNED = List.of("host", "x-ts-date", "x-ts-nonce");

    private final SigningKeyStore keys;
    private final NonceStore nonces;
    private final InstantSource clock;
    private final Duration window;

    public SignedRequestVerifier(SigningKeyStore keys, NonceStore nonces, InstantSource clock, Duration window) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.nonces = Objects.requireNonNull(nonces, "nonces");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.window = Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero() || window.compareTo(Duration.ofMinutes(15)) > 0) {
            throw new IllegalArgumentException("signed_requests.window must be between 0 and 15 minutes, found " + window);
        }
    }

    /**
     * @param parameters the {@code Authorization} value after {@code TS1-HMAC-SHA256 }
     * @param request    the request as sent
     * @return a {@link PrincipalKind#SERVICE} principal of the key's tenant, with the key's roles and scopes
     * @throws AuthenticationFailure for every refusal
     */
    public Principal verify(String parameters, SignedRequestInput request) {
        SignedAuthorization auth = SignedAuthorization.parse(parameters);
        requireSignedHeaders(auth.signedHeaders(), request);

        String date = single(request, "x-ts-date");
        Instant signedAt = parseDate(date);
        Instant now = clock.instant();
        if (Duration.between(signedAt, now).abs().compareTo(window) > 0) {
            throw new AuthenticationFailure(Reason.REQUEST_EXPIRED,
                    "x-ts-date must be within " + window.toMinutes() + " minutes of the server's time");
        }
        String nonce = single(request, "x-ts-nonce");
        if (nonce.length() < 16 || nonce.length() > 128 || !SignedAuthorization.isKeyId(nonce)) {
            throw new AuthenticationFailure(Reason.CREDENTIALS_MALFORMED,
                    "x-ts-nonce must be 16 to 128 characters of A-Z a-z 0-9 - _ .");
        }

        Optional<SigningKey> found = keys.find(auth.keyId());
        if (found.isEmpty()) {
            throw new AuthenticationFailure(Reason.KEY_UNKNOWN, "the signing key is unknown");
        }
        SigningKey key = found.get();

        String canonical;
        try {
            canonical = CanonicalRequest.of(request, auth.signedHeaders());
        } catch (IllegalArgumentException e) {
            throw new AuthenticationFailure(Reason.CREDENTIALS_MALFORMED, "the request cannot be canonicalised: " + e.getMessage());
        }
        byte[] expected = CanonicalRequest.hmac(key.secret(), CanonicalRequest.stringToSign(date, canonical));
        byte[] given = HexFormat.of().parseHex(auth.signature());
        if (!MessageDigest.isEqual(expected, given)) {
            // An existing key's id with a wrong signature: held against the key (brute force).
            throw new AuthenticationFailure(Reason.SIGNATURE_INVALID, "the request signature does not match")
                    .against(AuthMethod.SIGNED_REQUEST, key.keyId());
        }
        // After the signature, as for API tokens: only a holder of the secret learns that the key is
        // revoked or expired, and a refused request does not use up its nonce.
        CredentialLifetime.requireUsable("signing key", key.revoked(), key.expiresAt(), now);

        // Remembered until the request would be refused as expired anyway.
        if (!nonces.remember(key.keyId(), nonce, signedAt.plus(window))) {
            throw new AuthenticationFailure(Reason.REPLAY, "this nonce was already used with this key");
        }
        return new Principal(key.keyId(), PrincipalKind.SERVICE, Optional.of(key.tenant()),
                key.roles(), key.scopes(), Set.of(), AuthMethod.SIGNED_REQUEST, List.of());
    }

    private static void requireSignedHeaders(List<String> signed, SignedRequestInput request) {
        for (String name : ALWAYS_SIGNED) {
            if (!signed.contains(name)) {
                throw new AuthenticationFailure(Reason.SIGNED_HEADERS_INCOMPLETE, "SignedHeaders must include " + name);
            }
        }
        // An unsigned tenant header could be swapped in transit to redirect the request to another tenant.
        if (!request.header("x-tenant-id").isEmpty() && !signed.contains("x-tenant-id")) {
            throw new AuthenticationFailure(Reason.SIGNED_HEADERS_INCOMPLETE,
                    "SignedHeaders must include x-tenant-id when the request carries it");
        }
        for (String name : signed) {
            if (request.header(name).isEmpty()) {
                throw new AuthenticationFailure(Reason.SIGNED_HEADERS_INCOMPLETE, "signed header " + name + " is not in the request");
            }
        }
    }

    private static String single(SignedRequestInput request, String name) {
        List<String> values = request.header(name);
        if (values.size() != 1) {
            throw new AuthenticationFailure(Reason.CREDENTIALS_MALFORMED, name + " must be sent exactly once");
        }
        return values.getFirst().strip();
    }

    private static Instant parseDate(String value) {
        try {
            return LocalDateTime.parse(value, DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new AuthenticationFailure(Reason.CREDENTIALS_MALFORMED, "x-ts-date must look like 20260115T120000Z");
        }
    }

}
