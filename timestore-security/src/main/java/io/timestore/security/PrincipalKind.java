package io.timestore.security;

/** What kind of caller a {@link Principal} is. */
public enum PrincipalKind {
    /** A person, authenticated through the identity provider. */
    USER,
    /** A machine caller: a machine-to-machine JWT or a signed-request key. */
    SERVICE,
    /** A holder of an opaque Timestore API token. */
    API_TOKEN
}
