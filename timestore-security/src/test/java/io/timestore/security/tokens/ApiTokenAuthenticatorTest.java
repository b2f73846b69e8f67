package io.timestore.security.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.security.AuthMethod;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.AuthenticationFailure.Reason;
import io.timestore.security.Principal;
import io.timestore.security.PrincipalKind;
import io.timestore.security.TenantId;
import io.timestore.security.TokenPermission;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

class ApiTokenAuthenticatorTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private final ApiTokens tokens = new ApiTokens(new byte[] {
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32},
            new SecureRandom());
    private final Map<String, StoredApiToken> table = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastUsed = new ConcurrentHashMap<>();
    private final MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
    private final ApiTokenAuthenticator authenticator = new ApiTokenAuthenticator(
            tokens, id -> Optional.ofNullable(table.get(id)), lastUsed::put, clock);

    private MintedApiToken store(String tenant, Instant expiresAt, boolean revoked) {
        MintedApiToken minted = tokens.mint();
        table.put(minted.id(), new StoredApiToken(minted.id(), new TenantId(tenant), "ci", minted.hash(),
                List.of(TokenPermission.onDatasets("dataset:write", Set.of("cpu"))), expiresAt, revoked));
        return minted;
    }

    @Test
    void minted_token_has_the_documented_format_and_is_not_shown_by_toString() {
        MintedApiToken minted = tokens.mint();

        assertThat(minted.token()).matches("tsk_[0-9a-f]{24}_[A-Za-z0-9_-]{43}");
        assertThat(ApiTokens.idOf(minted.token())).contains(minted.id());
        assertThat(minted.toString()).doesNotContain(minted.token().substring(29));
        assertThat(minted.hash()).hasSize(32).isNotEqualTo(minted.token().getBytes());
    }

    @Test
    void valid_token_yields_an_api_token_principal_with_tenant_and_permissions_and_records_its_use() {
        MintedApiToken minted = store("acme", NOW.plus(Duration.ofDays(90)), false);

        Principal principal = authenticator.authenticate(minted.token());

        assertThat(principal.subject()).isEqualTo(minted.id());
        assertThat(principal.kind()).isEqualTo(PrincipalKind.API_TOKEN);
        assertThat(principal.authMethod()).isEqualTo(AuthMethod.API_TOKEN);
        assertThat(principal.tenantClaim()).contains(new TenantId("acme"));
        assertThat(principal.tokenPermissions()).singleElement()
                .satisfies(p -> assertThat(p.permits("dataset:write", "cpu")).isTrue())
                .satisfies(p -> assertThat(p.permits("dataset:write", "mem")).isFalse());
        assertThat(lastUsed).containsEntry(minted.id(), NOW);
    }

    @Test
    void revoked_token_is_refused_on_the_next_request() {
        MintedApiToken minted = store("acme", NOW.plus(Duration.ofDays(1)), false);
        authenticator.authenticate(minted.token());
        StoredApiToken stored = table.get(minted.id());
        table.put(minted.id(), new StoredApiToken(stored.id(), stored.tenant(), stored.name(), stored.hash(),
                stored.permissions(), stored.expiresAt(), true));

        var failure = assertThrows(AuthenticationFailure.class, () -> authenticator.authenticate(minted.token()));

        assertThat(failure.reason()).isEqualTo(Reason.TOKEN_REVOKED);
    }

    @Test
    void expired_token_is_refused_from_its_expiry_instant_on() {
        MintedApiToken minted = store("acme", NOW.plus(Duration.ofHours(1)), false);
        clock.add(Duration.ofHours(1));

        var failure = assertThrows(AuthenticationFailure.class, () -> authenticator.authenticate(minted.token()));

        assertThat(failure.reason()).isEqualTo(Reason.TOKEN_EXPIRED);
        assertThat(lastUsed).isEmpty();
    }

    @Test
    void unknown_wrong_and_malformed_tokens_all_get_the_same_token_invalid_answer() {
        MintedApiToken minted = store("acme", NOW.plus(Duration.ofDays(1)), false);
        String unknown = tokens.mint().token();
        String wrongSecret = minted.token().substring(0, minted.token().length() - 1)
                + (minted.token().endsWith("A") ? "B" : "A");
        List<String> bad = List.of(unknown, wrongSecret, "tsk_short", "not-a-token", minted.token() + "x",
                minted.token().toUpperCase(), "tsk_" + "g".repeat(24) + "_" + "a".repeat(43));

        for (String token : bad) {
            var failure = assertThrows(AuthenticationFailure.class, () -> authenticator.authenticate(token));
            assertThat(failure.reason()).isEqualTo(Reason.TOKEN_INVALID);
            assertThat(failure.getMessage()).isEqualTo("the API token is not valid");
        }
    }

    @Test
    void only_a_wrong_secret_for_an_existing_token_is_held_against_that_token() {
        MintedApiToken minted = store("acme", NOW.plus(Duration.ofDays(1)), false);
        String wrongSecret = minted.token().substring(0, minted.token().length() - 1)
                + (minted.token().endsWith("A") ? "B" : "A");
        String unknown = tokens.mint().token();

        var wrong = assertThrows(AuthenticationFailure.class, () -> authenticator.authenticate(wrongSecret));
        var guessed = assertThrows(AuthenticationFailure.class, () -> authenticator.authenticate(unknown));

        assertThat(wrong.credential()).contains(new AuthenticationFailure.Credential(AuthMethod.API_TOKEN, minted.id()));
        assertThat(guessed.credential()).isEmpty();
    }

    @Test
    void hashes_differ_with_the_pepper() {
        MintedApiToken minted = tokens.mint();
        var otherPepper = new ApiTokens(new byte[32], new SecureRandom());

        assertThat(otherPepper.matches(minted.token(), minted.hash())).isFalse();
        assertThat(tokens.matches(minted.token(), minted.hash())).isTrue();
    }

    @Test
    void pepper_shorter_than_32_bytes_is_refused_naming_the_setting() {
        var error = assertThrows(IllegalArgumentException.class, () -> new ApiTokens(new byte[16], new SecureRandom()));

        assertThat(error.getMessage()).contains("tokens.pepper").contains("32").contains("16");
    }
}
