package io.timestore.security.jwt;

import java.util.Objects;
import java.util.Set;

/**
 * How a JWT is recognised as machine-to-machine (it then gets the longer lifetime cap and
 * {@link io.timestore.security.PrincipalKind#SERVICE}). A token is M2M when claim {@code claim}
 * holds one of {@code values}, or — if {@code subjectIsClientId} — when the client id claim is
 * present and equal to {@code sub} (how client-credentials tokens look at most providers).
 *
 * @param claim             the claim naming the token's use, for example {@code token_use}
 * @param values            values of that claim that mean machine-to-machine
 * @param subjectIsClientId whether {@code client_id == sub} also means machine-to-machine
 */
public record MachineTokenRule(String claim, Set<String> values, boolean subjectIsClientId) {
    public MachineTokenRule {
        Objects.requireNonNull(claim, "claim");
        values = Set.copyOf(values);
    }

    /** {@code token_use} in {@code m2m, client_credentials}, or {@code client_id == sub}. */
    public static MachineTokenRule defaults() {
        return new MachineTokenRule("token_use", Set.of("m2m", "client_credentials"), true);
    }
}
