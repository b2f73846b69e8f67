package io.timestore.server.http;

import io.timestore.security.AuthenticationFailure;
import io.timestore.security.Principal;

/**
 * What the {@link Gate} asks about automatic blocking (docs/security.md, "Automatic blocking"),
 * before any handler runs: whether a source address or an authenticated credential is blocked
 * (refused with {@link io.timestore.server.problems.Blocked}, 429 {@code blocked}), and which
 * authentication failures to count. Implemented by {@code blocking.Blocks}.
 */
public interface AuthenticationBlocks {

    /** Throws {@link io.timestore.server.problems.Blocked} when {@code source} is blocked. */
    void admitSource(String source);

    /** Throws {@link io.timestore.server.problems.Blocked} when the credential {@code principal} used is blocked. */
    void admitCredential(Principal principal);

    /**
     * Counts {@code failure} against {@code source} and the credential it is held against, if
     * any; may start blocks. Throws {@link io.timestore.server.problems.Blocked} instead of
     * counting when that credential is blocked already. Otherwise returns, and the caller
     * rethrows the failure.
     */
    void failed(String source, AuthenticationFailure failure);

    /** Blocks nothing and counts nothing. */
    static AuthenticationBlocks none() {
        return new AuthenticationBlocks() {
            @Override
            public void admitSource(String source) {}

            @Override
            public void admitCredential(Principal principal) {}

            @Override
            public void failed(String source, AuthenticationFailure failure) {}
        };
    }
}
