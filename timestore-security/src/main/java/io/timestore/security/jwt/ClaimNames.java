package io.timestore.security.jwt;

import java.util.Objects;

/**
 * Which claims carry Timestore's identity data. Identity providers differ (Keycloak, Entra ID,
 * Okta), so every name is configurable.
 *
 * @param tenant    the tenant claim: a single string tenant id
 * @param roles     an array of role names (a single string is read as one role)
 * @param scope     a space-separated scope string (RFC 8693 {@code scope})
 * @param scp       an array of scopes (the form some providers use instead)
 * @param groups    an array of group names
 * @param clientId  the OAuth client id claim, used to recognise machine-to-machine tokens
 */
public record ClaimNames(String tenant, String roles, String scope, String scp, String groups, String clientId) {
    public ClaimNames {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(roles, "roles");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(scp, "scp");
        Objects.requireNonNull(groups, "groups");
        Objects.requireNonNull(clientId, "clientId");
    }

    /** {@code tenant_id}, {@code roles}, {@code scope}, {@code scp}, {@code groups}, {@code client_id}. */
    public static ClaimNames defaults() {
        return new ClaimNames("tenant_id", "roles", "scope", "scp", "groups", "client_id");
    }
}
