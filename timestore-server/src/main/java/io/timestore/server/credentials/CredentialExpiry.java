package io.timestore.server.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * The lifetime rule every credential (API token, signing key) is created under: {@code expires_at}
 * defaults to {@code defaultTtl} from now (whole seconds); one that is given must be an RFC 3339
 * time after now and at most {@code maxTtl} ahead. Authentication refuses a credential from its
 * expiry on ({@link io.timestore.security.CredentialLifetime}).
 *
 * @param defaultTtl the lifetime when the request names none ({@code auth.api-tokens.default-ttl})
 * @param maxTtl     the longest lifetime accepted ({@code auth.api-tokens.max-ttl})
 */
public record CredentialExpiry(Duration defaultTtl, Duration maxTtl) {
    public CredentialExpiry {
        Objects.requireNonNull(defaultTtl, "defaultTtl");
        Objects.requireNonNull(maxTtl, "maxTtl");
        if (!defaultTtl.isPositive() || defaultTtl.compareTo(maxTtl) > 0) {
            throw new IllegalArgumentException(
                    "the default credential lifetime must be positive and at most %s, found %s".formatted(maxTtl, defaultTtl));
        }
    }

    /**
     * The expiry asked for by {@code value} (the {@code expires_at} member, {@code null} when absent),
     * or the default; a broken rule is added to {@code errors} and the default returned.
     */
    Instant read(JsonNode value, Instant now, List<FieldError> errors) {
        var defaulted = now.plus(defaultTtl).truncatedTo(ChronoUnit.SECONDS);
        if (value == null) {
            return defaulted;
        }
        Instant expiresAt;
        try {
            expiresAt = Instant.parse(value.asText());
        } catch (DateTimeParseException e) {
            errors.add(FieldError.at("/expires_at", "must be an RFC 3339 UTC time such as 2027-01-31T00:00:00Z"));
            return defaulted;
        }
        if (!expiresAt.isAfter(now)) {
            errors.add(FieldError.at("/expires_at", "must be in the future"));
        } else if (expiresAt.isAfter(now.plus(maxTtl))) {
            errors.add(FieldError.at("/expires_at", "must be at most %d days ahead".formatted(maxTtl.toDays())));
        }
        return expiresAt;
    }
}
