package io.timestore.security.tokens;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The pure parts of API tokens: minting, parsing and hashing. No storage, no clock.
 *
 * <p>Format: {@code tsk_<id>_<secret>} where {@code id} is 24 lower-case hex characters (96
 * random bits, the lookup key, safe to log and to show in listings) and {@code secret} is 32
 * random bytes as unpadded base64url (43 characters). The fixed lengths make parsing unambiguous
 * even though base64url may contain {@code _}; the {@code tsk_} prefix lets secret scanners
 * recognise a leaked token.
 *
 * <p>Only {@code HMAC-SHA256(pepper, token)} is stored. The pepper is a server secret kept
 * outside the database, so a stolen table alone does not allow even an offline check of guesses
 * (the tokens have 256 bits of entropy; the pepper is defence in depth). Comparison is
 * constant-time. Thread-safe.
 */
public final class ApiTokens {
    public static final String PREFIX = "tsk_";
    static final int ID_HEX_LENGTH = 24;
    static final int SECRET_BYTES = 32;
    static final int SECRET_LENGTH = 43;
    static final int TOKEN_LENGTH = PREFIX.length() + ID_HEX_LENGTH + 1 + SECRET_LENGTH;
    private static final int MIN_PEPPER_BYTES = 32;

    private final SecretKeySpec pepper;
    private final SecureRandom random;

    /**
     * @param pepper at least 32 bytes of server secret; copied
     * @param random the source of token ids and secrets
     */
    public ApiTokens(byte[] pepper, SecureRandom random) {
        Objects.requireNonNull(pepper, "pepper");
        if (pepper.length < MIN_PEPPER_BYTES) {
            throw new IllegalArgumentException(
                    "tokens.pepper must be at least %d bytes, found %d".formatted(MIN_PEPPER_BYTES, pepper.length));
        }
        this.pepper = new SecretKeySpec(pepper.clone(), "HmacSHA256");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A new token. Show {@link MintedApiToken#token()} to the caller once; store only the hash. */
    public MintedApiToken mint() {
        byte[] idBytes = new byte[ID_HEX_LENGTH / 2];
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(idBytes);
        random.nextBytes(secret);
        String id = HexFormat.of().formatHex(idBytes);
        String token = PREFIX + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Arrays.fill(secret, (byte) 0);
        return new MintedApiToken(id, token, hash(token));
    }

    /** The token id of a well-formed token; empty when {@code token} is not in the format above. */
    public static Optional<String> idOf(String token) {
        if (token == null || token.length() != TOKEN_LENGTH || !token.startsWith(PREFIX)
                || token.charAt(PREFIX.length() + ID_HEX_LENGTH) != '_') {
            return Optional.empty();
        }
        for (int i = PREFIX.length(); i < PREFIX.length() + ID_HEX_LENGTH; i++) {
            char c = token.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return Optional.empty();
            }
        }
        for (int i = TOKEN_LENGTH - SECRET_LENGTH; i < TOKEN_LENGTH; i++) {
            char c = token.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return Optional.empty();
            }
        }
        return Optional.of(token.substring(PREFIX.length(), PREFIX.length() + ID_HEX_LENGTH));
    }

    /** {@code HMAC-SHA256(pepper, token)}: what the store keeps. */
    public byte[] hash(String token) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(pepper);
            return mac.doFinal(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    /** Whether {@code token} hashes to {@code storedHash}, compared in constant time. */
    public boolean matches(String token, byte[] storedHash) {
        return MessageDigest.isEqual(hash(token), storedHash);
    }
}
