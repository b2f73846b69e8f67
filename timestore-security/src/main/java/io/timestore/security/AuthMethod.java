package io.timestore.security;

/**
 * How a {@link Principal} proved who it is. Recorded in audit events ({@code actor.auth_method}),
 * so the names are part of the public contract: see {@link #label()}.
 */
public enum AuthMethod {
    JWT("jwt"),
    API_TOKEN("api_token"),
    SIGNED_REQUEST("signed_request"),
    /** Admitted by a legacy-mode rule (docs/architecture.md §6); the server creates these, never this library. */
    LEGACY("legacy");

    private final String label;

    AuthMethod(String label) {
        this.label = label;
    }

    /** The stable snake_case name used in audit events and metrics. */
    public String label() {
        return label;
    }
}
