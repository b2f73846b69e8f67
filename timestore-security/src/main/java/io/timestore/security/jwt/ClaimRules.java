package io.timestore.security.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import io.timestore.security.AuthMethod;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.Principal;
import io.timestore.security.PrincipalKind;
import io.timestore.security.TenantId;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The claim rules a signature-verified token must pass, one small method per rule (in the
 * manner of Spring Security's JWT validators), and the mapping of claims to a {@link Principal}.
 * Stateless and thread-safe.
 */
final class ClaimRules {
    /** A token that passed every rule: who it is and until when it may be used (exp + skew). */
    record Verified(Principal principal, Instant validUntil) {}

    private final JwtSettings settings;

    ClaimRules(JwtSettings settings) {
        this.settings = settings;
    }

    Verified apply(JWTClaimsSet claims, Instant now) {
        String subject = requireSubject(claims);
        requireAudience(claims);
        Instant exp = requireInstant(claims.getExpirationTime(), "exp");
        Instant iat = requireInstant(claims.getIssueTime(), "iat");
        Duration skew = settings.clockSkew();
        if (now.isAfter(exp.plus(skew))) {
            throw new AuthenticationFailure(Reason.TOKEN_EXPIRED, "the token has expired");
        }
        if (iat.isAfter(now.plus(skew))) {
            throw new AuthenticationFailure(Reason.TOKEN_NOT_YET_VALID, "the token's iat is in the future");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nbf.toInstant().isAfter(now.plus(skew))) {
            throw new AuthenticationFailure(Reason.TOKEN_NOT_YET_VALID, "the token's nbf is in the future");
        }
        boolean machine = isMachineToken(claims, subject);
        requireLifetime(iat, exp, machine);

        var principal = new Principal(
                subject,
                machine ? PrincipalKind.SERVICE : PrincipalKind.USER,
                tenant(claims),
                strings(claims, settings.claims().roles()),
                scopes(claims),
                strings(claims, settings.claims().groups()),
                AuthMethod.JWT,
                List.of());
        return new Verified(principal, exp.plus(skew));
    }

    private static String requireSubject(JWTClaimsSet claims) {
        if (!(claims.getClaim("sub") instanceof String sub) || sub.isBlank()) {
            throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token must carry a non-empty sub claim");
        }
        return sub;
    }

    private void requireAudience(JWTClaimsSet claims) {
        // Exact element match: "timestore" must not be satisfied by "timestore-staging" or "time".
        List<String> audience = claims.getAudience();
        if (audience == null || !audience.contains(settings.audience())) {
            throw new AuthenticationFailure(Reason.AUDIENCE_MISMATCH, "the token's aud must contain this service's audience");
        }
    }

    private static Instant requireInstant(Date value, String claim) {
        if (value == null) {
            throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token must carry an " + claim + " claim");
        }
        return value.toInstant();
    }

    private void requireLifetime(Instant iat, Instant exp, boolean machine) {
        if (!exp.isAfter(iat)) {
            throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token's exp must be after its iat");
        }
        Duration cap = machine ? settings.machineMaxLifetime() : settings.userMaxLifetime();
        if (Duration.between(iat, exp).compareTo(cap) > 0) {
            throw new AuthenticationFailure(Reason.TOKEN_LIFETIME_EXCEEDED,
                    "%s tokens may live at most %s (exp - iat)".formatted(machine ? "machine-to-machine" : "user", cap));
        }
    }

    private boolean isMachineToken(JWTClaimsSet claims, String subject) {
        MachineTokenRule rule = settings.machineTokens();
        if (claims.getClaim(rule.claim()) instanceof String use && rule.values().contains(use)) {
            return true;
        }
        return rule.subjectIsClientId()
                && claims.getClaim(settings.claims().clientId()) instanceof String clientId
                && clientId.equals(subject);
    }

    private Optional<TenantId> tenant(JWTClaimsSet claims) {
        Object value = claims.getClaim(settings.claims().tenant());
        if (value == null) {
            if (settings.requireTenantClaim()) {
                throw new AuthenticationFailure(Reason.TENANT_MISSING, "the token carries no tenant claim");
            }
            return Optional.empty();
        }
        // A list, even of one element, is refused: a token must not let the caller pick a tenant.
        if (!(value instanceof String text)) {
            throw new AuthenticationFailure(Reason.TENANT_CLAIM_INVALID, "the token's tenant claim must be a single string");
        }
        return Optional.of(TenantId.parse(text).orElseThrow(() -> new AuthenticationFailure(
                Reason.TENANT_CLAIM_INVALID, "the token's tenant claim must match ^[a-z0-9][a-z0-9-]{1,62}$")));
    }

    private Set<String> scopes(JWTClaimsSet claims) {
        var scopes = new HashSet<String>();
        if (claims.getClaim(settings.claims().scope()) instanceof String text) {
            for (String scope : text.split(" ")) {
                if (!scope.isEmpty()) {
                    scopes.add(scope);
                }
            }
        } else if (claims.getClaim(settings.claims().scope()) != null) {
            throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token's scope claim must be a space-separated string");
        }
        scopes.addAll(strings(claims, settings.claims().scp()));
        return scopes;
    }

    /** A claim holding an array of strings (or one string); absent means empty. */
    private static Set<String> strings(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        if (value == null) {
            return Set.of();
        }
        if (value instanceof String single) {
            return Set.of(single);
        }
        if (value instanceof List<?> list) {
            var result = new HashSet<String>();
            for (Object element : list) {
                if (!(element instanceof String s)) {
                    throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token's " + name + " claim must hold strings only");
                }
                result.add(s);
            }
            return result;
        }
        throw new AuthenticationFailure(Reason.TOKEN_INVALID, "the token's " + name + " claim must be an array of strings");
    }
}
