package io.timestore.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.security.AuthenticationFailure.Reason;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TenantResolverTest {
    private static final Map<String, TenantStatus> TENANTS = Map.of(
            "acme", TenantStatus.ACTIVE, "globex", TenantStatus.ACTIVE, "initech", TenantStatus.DISABLED);

    private final TenantResolver resolver = new TenantResolver(
            tenant -> TENANTS.getOrDefault(tenant.value(), TenantStatus.UNKNOWN));

    static Principal user(String tenant, String... roles) {
        return new Principal("alice", PrincipalKind.USER, Optional.ofNullable(tenant).map(TenantId::new),
                Set.of(roles), Set.of(), Set.of(), AuthMethod.JWT, List.of());
    }

    static Principal signingKey(String tenant, String... roles) {
        return new Principal("svc-1", PrincipalKind.SERVICE, Optional.of(new TenantId(tenant)),
                Set.of(roles), Set.of(), Set.of(), AuthMethod.SIGNED_REQUEST, List.of());
    }

    static Principal legacy() {
        return new Principal("legacy-ingest", PrincipalKind.SERVICE, Optional.empty(),
                Set.of(), Set.of(), Set.of(), AuthMethod.LEGACY, List.of());
    }

    private SecurityContext resolve(Principal principal, List<String> header) {
        return resolver.resolve(principal, header, "req-1", "4bf92f3577b34da6a3ce929d0e0e4736");
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("no credential tenant and no header", user(null), List.of(), Reason.TENANT_MISSING),
                Arguments.of("no credential tenant but a header", user(null), List.of("acme"), Reason.TENANT_MISSING),
                Arguments.of("header repeated", user("acme"), List.of("acme", "acme"), Reason.TENANT_AMBIGUOUS),
                Arguments.of("header a comma list", user("acme"), List.of("acme,globex"), Reason.TENANT_AMBIGUOUS),
                Arguments.of("header upper-case", user("acme"), List.of("ACME"), Reason.TENANT_MALFORMED),
                Arguments.of("header empty", user("acme"), List.of(""), Reason.TENANT_MALFORMED),
                Arguments.of("header with a path", user("acme"), List.of("../globex"), Reason.TENANT_MALFORMED),
                Arguments.of("header differing from the credential", user("acme"), List.of("globex"), Reason.TENANT_MISMATCH),
                Arguments.of("signing key of acme naming globex", signingKey("acme"), List.of("globex"), Reason.TENANT_MISMATCH),
                Arguments.of("platform-operator role on a signing key grants nothing", signingKey("acme", "platform-operator"), List.of("globex"), Reason.TENANT_MISMATCH),
                Arguments.of("unknown tenant", user("umbrella"), List.of(), Reason.TENANT_FORBIDDEN),
                Arguments.of("disabled tenant", user("initech"), List.of(), Reason.TENANT_FORBIDDEN),
                Arguments.of("platform operator without header", user("acme", "platform-operator"), List.of(), Reason.TENANT_MISSING),
                Arguments.of("platform operator naming an unknown tenant", user(null, "platform-operator"), List.of("umbrella"), Reason.TENANT_FORBIDDEN),
                Arguments.of("legacy principal without header", legacy(), List.of(), Reason.TENANT_MISSING));
    }

    @ParameterizedTest(name = "{0} is refused with {3}")
    @MethodSource("refusals")
    void requests_without_exactly_one_admissible_tenant_are_refused(String name, Principal principal, List<String> header, Reason expected) {
        var failure = assertThrows(AuthenticationFailure.class, () -> resolve(principal, header));

        assertThat(failure.reason()).as(name).isEqualTo(expected);
    }

    @Test
    void unknown_and_disabled_tenants_get_the_same_answer() {
        var unknown = assertThrows(AuthenticationFailure.class, () -> resolve(user("umbrella"), List.of()));
        var disabled = assertThrows(AuthenticationFailure.class, () -> resolve(user("initech"), List.of()));

        assertThat(unknown.getMessage()).isEqualTo(disabled.getMessage());
        assertThat(unknown.httpStatus()).isEqualTo(disabled.httpStatus()).isEqualTo(403);
    }

    @Test
    void credential_tenant_is_used_when_no_header_is_sent() {
        SecurityContext context = resolve(user("acme"), List.of());

        assertThat(context.tenant()).isEqualTo(new TenantId("acme"));
        assertThat(context.headerTenant()).isEmpty();
        assertThat(context.actingAsPlatformOperator()).isFalse();
        assertThat(context.requestId()).isEqualTo("req-1");
    }

    @Test
    void header_equal_to_the_credential_tenant_is_accepted_and_recorded() {
        SecurityContext context = resolve(user("acme"), List.of(" acme "));

        assertThat(context.tenant()).isEqualTo(new TenantId("acme"));
        assertThat(context.headerTenant()).contains(new TenantId("acme"));
    }

    @Test
    void platform_operator_acts_on_the_tenant_it_names_and_that_is_recorded() {
        SecurityContext context = resolve(user("acme", "platform-operator"), List.of("globex"));

        assertThat(context.tenant()).isEqualTo(new TenantId("globex"));
        assertThat(context.actingAsPlatformOperator()).isTrue();
        assertThat(context.headerTenant()).contains(new TenantId("globex"));
    }

    @Test
    void platform_operator_naming_its_own_tenant_is_not_acting_as_operator() {
        SecurityContext context = resolve(user("acme", "platform-operator"), List.of("acme"));

        assertThat(context.actingAsPlatformOperator()).isFalse();
    }

    @Test
    void legacy_principal_takes_the_tenant_from_the_header() {
        assertThat(resolve(legacy(), List.of("globex")).tenant()).isEqualTo(new TenantId("globex"));
    }

    @Test
    void only_a_platform_operator_jwt_naming_no_tenant_acts_on_the_platform() {
        assertThat(resolver.actsOnPlatform(user("acme", "platform-operator"), List.of())).isTrue();
        assertThat(resolver.actsOnPlatform(user(null, "platform-operator"), List.of())).isTrue();

        assertThat(resolver.actsOnPlatform(user("acme", "platform-operator"), List.of("globex"))).isFalse();
        assertThat(resolver.actsOnPlatform(user("acme", "platform-operator"), List.of("ACME"))).as("left to resolve").isFalse();
        assertThat(resolver.actsOnPlatform(user("acme", "auditor"), List.of())).isFalse();
        assertThat(resolver.actsOnPlatform(user(null, "auditor"), List.of())).isFalse();
        assertThat(resolver.actsOnPlatform(signingKey("acme", "platform-operator"), List.of())).isFalse();
        assertThat(resolver.actsOnPlatform(legacy(), List.of())).isFalse();
    }

    @Test
    void a_caller_that_does_not_act_on_the_platform_and_names_no_tenant_is_still_refused() {
        var auditorWithoutTenant = user(null, "auditor");

        assertThat(resolver.actsOnPlatform(auditorWithoutTenant, List.of())).isFalse();
        var failure = assertThrows(AuthenticationFailure.class, () -> resolve(auditorWithoutTenant, List.of()));
        assertThat(failure.reason()).isEqualTo(Reason.TENANT_MISSING);
    }
}
