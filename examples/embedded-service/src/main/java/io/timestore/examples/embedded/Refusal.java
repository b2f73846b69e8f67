package io.timestore.examples.embedded;

import java.util.Optional;

/**
 * A request the service refuses after authentication: its problem {@code code}, status and
 * client-safe detail, and for a 403 the role that would have allowed it ({@code missing_role}).
 */
final class Refusal extends RuntimeException {
    private final String code;
    private final int status;
    private final Optional<String> missingRole;

    Refusal(String code, int status, String detail, Optional<String> missingRole) {
        super(detail, null, false, false);
        this.code = code;
        this.status = status;
        this.missingRole = missingRole;
    }

    static Refusal missingRole(String role) {
        return new Refusal("forbidden", 403, "this needs the role " + role, Optional.of(role));
    }

    static Refusal invalid(String detail) {
        return new Refusal("invalid_request", 400, detail, Optional.empty());
    }

    String code() {
        return code;
    }

    int status() {
        return status;
    }

    Optional<String> missingRole() {
        return missingRole;
    }
}
