package io.timestore.security.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthorizationPolicyTest {

    @Test
    void every_action_label_parses_back_to_its_action() {
        for (Action action : Action.values()) {
            assertThat(Action.parse(action.label())).contains(action);
        }
        assertThat(Action.parse("dataset:*")).isEmpty();
        assertThat(Action.parse("DATASET:READ")).isEmpty();
        assertThat(Action.parse(null)).isEmpty();
    }

    @Test
    void defaults_map_the_built_in_roles_and_scopes_of_the_design() {
        var policy = AuthorizationPolicy.defaults();

        assertThat(policy.roles().keySet()).containsExactly("reader", "writer", "runtime-writer", "auditor", "support",
                "tenant-admin", "platform-operator");
        assertThat(policy.scopes().get("storage.read.audit")).containsExactlyInAnyOrder(Action.AUDIT_LIST, Action.AUDIT_GET);
        assertThat(policy.roles().get("tenant-admin")).doesNotContain(Action.TENANT_ADMIN);
        assertThat(policy.redactedAuditRoles()).containsExactly("support");
    }

    @Test
    void tenant_admin_action_on_a_tenant_role_is_refused_naming_the_key() {
        var failure = assertThrows(IllegalArgumentException.class,
                () -> AuthorizationPolicy.defaults().withRole("tenant-admin", EnumSet.of(Action.TENANT_ADMIN)));

        assertThat(failure).hasMessageContaining("auth.roles.tenant-admin").hasMessageContaining("tenant:admin");
    }

    @Test
    void tenant_admin_action_on_a_scope_is_refused() {
        var failure = assertThrows(IllegalArgumentException.class,
                () -> AuthorizationPolicy.defaults().withScope("timestore.root", EnumSet.of(Action.TENANT_ADMIN)));

        assertThat(failure).hasMessageContaining("auth.scopes.timestore.root");
    }

    @Test
    void the_platform_role_may_not_grant_data_access() {
        var failure = assertThrows(IllegalArgumentException.class, () -> AuthorizationPolicy.defaults()
                .withRole("platform-operator", EnumSet.of(Action.TENANT_ADMIN, Action.DATASET_READ)));

        assertThat(failure).hasMessageContaining("found dataset:read");
    }

    @Test
    void blank_or_spaced_names_are_refused() {
        assertThrows(IllegalArgumentException.class, () -> AuthorizationPolicy.defaults().withRole(" ", Set.of()));
        assertThrows(IllegalArgumentException.class, () -> AuthorizationPolicy.defaults().withScope("a b", Set.of()));
        assertThrows(IllegalArgumentException.class, () -> new AccessRequirement(Set.of("fin ance"), Set.of()));
    }

    @Test
    void an_access_block_naming_nothing_is_refused() {
        var failure = assertThrows(IllegalArgumentException.class, () -> new AccessRequirement(Set.of(), Set.of()));

        assertThat(failure).hasMessageContaining("omit the block");
    }

    @Test
    void unauthenticated_ingest_in_strict_mode_is_refused() {
        var failure = assertThrows(IllegalArgumentException.class, () -> new AuthorizationSettings(
                AuthMode.STRICT, "timestore.query", true, 100, AuthorizationPolicy.defaults()));

        assertThat(failure).hasMessage("auth.legacy.unauthenticated-ingest=true requires auth.mode=legacy, found auth.mode=strict");
    }

    @Test
    void a_configured_role_can_be_added_and_used() {
        var policy = AuthorizationPolicy.defaults().withRole("sre", EnumSet.of(Action.REFRESH_READ, Action.REFRESH_WRITE));
        var authorizer = new Authorizer(new AuthorizationSettings(AuthMode.STRICT, "timestore.query", false, 100, policy));

        var decision = authorizer.decide(Callers.roles("sre"), Action.REFRESH_WRITE, AuthorizerTableTest.CPU);

        assertThat(decision.allowed()).isTrue();
    }

    @Test
    void a_tenant_only_action_on_a_dataset_is_a_programming_error() {
        var authorizer = new Authorizer(AuthorizationSettings.strictDefaults());

        assertThrows(IllegalArgumentException.class,
                () -> authorizer.decide(Callers.roles("auditor"), Action.AUDIT_LIST, AuthorizerTableTest.CPU));
    }
}
