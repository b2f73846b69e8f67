package io.timestore.security.tokens;

import io.timestore.security.AuthMethod;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.CredentialLifetime;
import io.timestore.security.Principal;
import io.timestore.security.PrincipalKind;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Authenticates an opaque API token: parse, look up by id, compare hashes in constant time, then
 * check revocation and expiry. The secret is checked first, so only a holder of the real token
 * learns that it is revoked or expired; unknown, malformed and wrong tokens all get the same
 * {@code token_invalid}. Nothing is cached here, so revocation takes effect on the next request.
 * Thread-safe if its collaborators are.
 */
public final class ApiTokenAuthenticator {
    private final ApiTokens tokens;
    private final ApiTokenStore store;
    private final LastUsedRecorder lastUsed;
    private final InstantSource clock;

    public ApiTokenAuthenticator(ApiTokens tokens, ApiTokenStore store, LastUsedRecorder lastUsed, InstantSource clock) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.store = Objects.requireNonNull(store, "store");
        this.lastUsed = Objects.requireNonNull(lastUsed, "lastUsed");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * @param token the credential after {@code Bearer } or {@code Token }
     * @return a principal with {@link AuthMethod#API_TOKEN}, the token's tenant and permissions
     * @throws AuthenticationFailure {@code token_invalid}, {@code token_revoked} or {@code token_expired}
     */
    public Principal authenticate(String token) {
        String id = ApiTokens.idOf(token).orElseThrow(ApiTokenAuthenticator::invalid);
        Optional<StoredApiToken> found = store.find(id);
        if (found.isEmpty()) {
            throw invalid();
        }
        if (!tokens.matches(token, found.get().hash())) {
            // An existing token's id with the wrong secret: held against the token (brute force).
            throw invalid().against(AuthMethod.API_TOKEN, id);
        }
        StoredApiToken stored = found.get();
        Instant now = clock.instant();
        CredentialLifetime.requireUsable("API token", stored.revoked(), stored.expiresAt(), now);
        lastUsed.recordUse(id, now);
        return new Principal(id, PrincipalKind.API_TOKEN, Optional.of(stored.tenant()),
                Set.of(), Set.of(), Set.of(), AuthMethod.API_TOKEN, stored.permissions());
    }

    private static AuthenticationFailure invalid() {
        return new AuthenticationFailure(Reason.TOKEN_INVALID, "the API token is not valid");
    }
}
