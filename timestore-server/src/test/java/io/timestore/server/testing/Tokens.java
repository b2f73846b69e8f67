package io.timestore.server.testing;

import io.timestore.security.TenantId;
import io.timestore.server.identity.DevIssuer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Real JWTs for tests, signed by the server's development issuer. */
public final class Tokens {
    private final DevIssuer issuer;

    Tokens(DevIssuer issuer) {
        this.issuer = issuer;
    }

    /** A user of {@code tenant} with {@code roles}. */
    public String user(String tenant, String... roles) {
        return issuer.mint(new DevIssuer.Grant("user-" + String.join("-", roles) + "@" + tenant,
                Optional.of(new TenantId(tenant)), List.of(roles), List.of(), Duration.ofMinutes(5)));
    }

    /** A caller of {@code tenant} holding OAuth {@code scopes} and no role. */
    public String scoped(String tenant, String... scopes) {
        return issuer.mint(new DevIssuer.Grant("client@" + tenant, Optional.of(new TenantId(tenant)), List.of(),
                List.of(scopes), Duration.ofMinutes(5)));
    }

    /**
     * A platform operator. Its token names its home tenant (every token must carry the tenant
     * claim); it acts on other tenants by naming them with X-Tenant-ID.
     */
    public String platformOperator() {
        return issuer.mint(new DevIssuer.Grant("operator", Optional.of(new TenantId("operators")),
                List.of("platform-operator"), List.of(), Duration.ofMinutes(5)));
    }

    /** The header pair for a bearer credential. */
    public static String[] bearer(String token) {
        return new String[] {"Authorization", "Bearer " + token};
    }
}
