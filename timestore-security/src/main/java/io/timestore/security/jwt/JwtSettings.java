package io.timestore.security.jwt;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Everything the {@link JwtVerifier} needs, validated once at startup: a bad value throws
 * {@link IllegalArgumentException} naming the setting, the value and the rule (no silent fix-ups).
 *
 * @param issuers              the trusted issuers; a token's {@code iss} must equal one exactly
 * @param audience             the audience every token must list in {@code aud} (exact match)
 * @param claims               claim names
 * @param machineTokens        how machine-to-machine tokens are recognised
 * @param requireTenantClaim   whether a token without the tenant claim is refused ({@code tenant_missing})
 * @param userMaxLifetime      the longest {@code exp - iat} accepted for user tokens (15 min)
 * @param machineMaxLifetime   the longest {@code exp - iat} accepted for M2M tokens (60 min)
 * @param clockSkew            tolerance for {@code exp}, {@code nbf} and {@code iat} (60 s)
 * @param maxTokenBytes        tokens longer than this are refused before parsing (8 KiB)
 * @param cacheMaxEntries      how many verified tokens are remembered (10,000)
 */
public record JwtSettings(
        List<TrustedIssuer> issuers,
        String audience,
        ClaimNames claims,
        MachineTokenRule machineTokens,
        boolean requireTenantClaim,
        Duration userMaxLifetime,
        Duration machineMaxLifetime,
        Duration clockSkew,
        int maxTokenBytes,
        int cacheMaxEntries) {

    public JwtSettings {
        issuers = List.copyOf(issuers);
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(claims, "claims");
        Objects.requireNonNull(machineTokens, "machineTokens");
        if (audience.isBlank()) {
            throw new IllegalArgumentException("jwt.audience must not be blank");
        }
        var seen = new HashSet<String>();
        for (TrustedIssuer issuer : issuers) {
            if (!seen.add(issuer.issuer())) {
                throw new IllegalArgumentException("jwt.issuers lists issuer " + issuer.issuer() + " twice");
            }
        }
        requireBetween("jwt.user_max_lifetime", userMaxLifetime, Duration.ofSeconds(1), Duration.ofHours(24));
        requireBetween("jwt.machine_max_lifetime", machineMaxLifetime, Duration.ofSeconds(1), Duration.ofHours(24));
        requireBetween("jwt.clock_skew", clockSkew, Duration.ZERO, Duration.ofMinutes(5));
        if (maxTokenBytes < 512 || maxTokenBytes > 64 * 1024) {
            throw new IllegalArgumentException(
                    "jwt.max_token_bytes must be between 512 and 65536, found " + maxTokenBytes);
        }
        if (cacheMaxEntries < 0) {
            throw new IllegalArgumentException("jwt.cache_max_entries must be >= 0, found " + cacheMaxEntries);
        }
    }

    /**
     * The documented defaults (docs/architecture.md §5): tenant claim required, 15 min user / 60 min M2M
     * lifetime, 60 s skew, 8 KiB tokens, 10,000 cached tokens.
     */
    public static JwtSettings defaults(List<TrustedIssuer> issuers, String audience) {
        return new JwtSettings(issuers, audience, ClaimNames.defaults(), MachineTokenRule.defaults(), true,
                Duration.ofMinutes(15), Duration.ofMinutes(60), Duration.ofSeconds(60), 8 * 1024, 10_000);
    }

    private static void requireBetween(String key, Duration value, Duration min, Duration max) {
        Objects.requireNonNull(value, key);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(
                    "%s must be between %s and %s, found %s".formatted(key, min, max, value));
        }
    }
}
