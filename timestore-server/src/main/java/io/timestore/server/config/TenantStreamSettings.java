package io.timestore.server.config;

import java.util.List;
import java.util.Objects;

/**
 * Where tenants' own audit streams ({@code /admin/v1/audit-streams}) may send: the SSRF policy for
 * URLs that tenants, not operators, choose (docs/audit-delivery.md, "Tenant streams").
 *
 * @param allowedHosts          hosts (or {@code *.domain}) a stream URL may name; empty for any host
 * @param allowHttp             whether plain {@code http} URLs are accepted (default false)
 * @param allowPrivateAddresses whether loopback, private, link-local and other non-public addresses are
 *                              accepted (default false; only for tests and closed networks)
 */
public record TenantStreamSettings(List<String> allowedHosts, boolean allowHttp, boolean allowPrivateAddresses) {
    public TenantStreamSettings {
        allowedHosts = List.copyOf(Objects.requireNonNull(allowedHosts, "allowedHosts"));
    }

    /** https only, any host, public addresses only. */
    public static TenantStreamSettings strict() {
        return new TenantStreamSettings(List.of(), false, false);
    }
}
