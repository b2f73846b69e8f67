package io.timestore.security.authz;

import static io.timestore.security.authz.AuthorizerTableTest.CPU;
import static io.timestore.security.authz.AuthorizerTableTest.PAYROLL;
import static io.timestore.security.authz.AuthorizerTableTest.STRICT;
import static io.timestore.security.authz.AuthorizerTableTest.TENANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.security.Principal;
import io.timestore.security.TokenPermission;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a caller may put into a credential it creates (docs/authorization.md, "Minting
 * credentials"): an API token only actions the caller may do itself, a signing key only roles and
 * scopes the caller holds. PAYROLL's read block admits role finance or scope payroll.read.
 */
class AuthorizerGrantTest {

    @Test
    void a_token_permission_naming_a_dataset_needs_the_action_under_that_datasets_block() {
        var denied = STRICT.decideTokenGrant(Callers.roles("tenant-admin"), Action.DATASET_READ, PAYROLL);

        assertThat(denied).isInstanceOfSatisfying(Decision.Denied.class, d -> {
            assertThat(d.reason()).isEqualTo(Decision.Reason.ROLE_OR_SCOPE_MISSING);
            assertThat(d.missingRole()).contains("finance");
            assertThat(d.missingScope()).contains("payroll.read");
            assertThat(d.detail()).startsWith("a token carries only what its creator may do");
        });
        assertThat(STRICT.decideTokenGrant(Callers.roles("tenant-admin", "finance"), Action.DATASET_READ, PAYROLL).allowed())
                .isTrue();
        assertThat(STRICT.decideTokenGrant(Callers.roles("tenant-admin"), Action.DATASET_READ, CPU).allowed()).isTrue();
    }

    @Test
    void a_tenant_admin_may_grant_dataset_admin_on_a_dataset_with_an_admin_block_as_it_may_administer_it() {
        assertThat(STRICT.decideTokenGrant(Callers.roles("tenant-admin"), Action.DATASET_ADMIN, PAYROLL).allowed()).isTrue();
        assertThat(STRICT.decideTokenGrant(Callers.scopes("timestore.admin"), Action.DATASET_ADMIN, PAYROLL).allowed())
                .isFalse();
    }

    @Test
    void an_all_datasets_permission_needs_the_action_from_the_tenant_defaults() {
        var denied = STRICT.decideTokenGrant(Callers.scopes("timestore.admin"), Action.DATASET_READ, TENANT);

        assertThat(denied).isInstanceOfSatisfying(Decision.Denied.class, d -> {
            assertThat(d.missingRole()).contains("reader");
            assertThat(d.missingScope()).contains("timestore.read");
        });
        assertThat(STRICT.decideTokenGrant(Callers.scopes("timestore.admin"), Action.DATASET_ADMIN, TENANT).allowed()).isTrue();
    }

    @Test
    void an_audit_permission_needs_the_view_tokens_get() {
        var policy = AuthorizationPolicy.defaults().withRole("key-admin", EnumSet.of(Action.TOKEN_MANAGE));
        var fullViewTokens = new Authorizer(new AuthorizationSettings(AuthMode.STRICT, "timestore.query", false, 100,
                new AuthorizationPolicy(policy.roles(), policy.scopes(), policy.redactedAuditRoles(),
                        policy.datasetAdminOverrideRoles(), AuditView.FULL)));
        var redactedViewTokens = new Authorizer(new AuthorizationSettings(AuthMode.STRICT, "timestore.query", false, 100, policy));
        var support = Callers.roles("support", "key-admin");

        var denied = fullViewTokens.decideTokenGrant(support, Action.AUDIT_LIST, TENANT);

        assertThat(denied).isInstanceOfSatisfying(Decision.Denied.class, d -> {
            assertThat(d.missingRole()).contains("auditor");
            assertThat(d.missingScope()).contains("timestore.audit.read");
        });
        assertThat(redactedViewTokens.decideTokenGrant(support, Action.AUDIT_LIST, TENANT).allowed()).isTrue();
        assertThat(fullViewTokens.decideTokenGrant(Callers.roles("auditor", "key-admin"), Action.AUDIT_LIST, TENANT).allowed())
                .isTrue();
    }

    @Test
    void token_and_tenant_administration_are_never_granted_to_a_token() {
        assertThatThrownBy(() -> STRICT.decideTokenGrant(Callers.roles("tenant-admin"), Action.TOKEN_MANAGE, TENANT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> STRICT.decideTokenGrant(Callers.homeOperator(), Action.TENANT_ADMIN, TENANT))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_signing_key_carries_only_roles_and_scopes_its_creator_holds() {
        var admin = Callers.jwt(Set.of("tenant-admin"), Set.of("timestore.admin"));

        assertThat(STRICT.decideKeyGrant(admin, Set.of("tenant-admin"), Set.of("timestore.admin")).allowed()).isTrue();
        assertThat(STRICT.decideKeyGrant(admin, Set.of("finance"), Set.of())).isInstanceOfSatisfying(Decision.Denied.class, d -> {
            assertThat(d.reason()).isEqualTo(Decision.Reason.ROLE_OR_SCOPE_MISSING);
            assertThat(d.missingRole()).contains("finance");
            assertThat(d.missingScope()).isEmpty();
        });
        // Holding is literal: the admin could do everything reader grants by default, but a key with
        // reader would also satisfy every access block that names reader and not tenant-admin.
        assertThat(STRICT.decideKeyGrant(admin, Set.of("reader"), Set.of()).allowed()).isFalse();
        assertThat(STRICT.decideKeyGrant(admin, Set.of(), Set.of("timestore.read")))
                .isInstanceOfSatisfying(Decision.Denied.class, d -> assertThat(d.missingScope()).contains("timestore.read"));
    }

    @Test
    void a_signing_key_mints_keys_with_its_own_roles_and_no_others() {
        var key = Callers.signed(Set.of("tenant-admin"), Set.of());

        assertThat(STRICT.decideKeyGrant(key, Set.of("tenant-admin"), Set.of()).allowed()).isTrue();
        assertThat(STRICT.decideKeyGrant(key, Set.of("finance"), Set.of()).allowed()).isFalse();
    }

    @Test
    void callers_without_roles_of_the_tenant_give_a_key_none() {
        var token = Callers.token(TokenPermission.onAllDatasets("dataset:read"));

        assertThat(STRICT.decideKeyGrant(token, Set.of("reader"), Set.of()).allowed()).isFalse();
        assertThat(STRICT.decideKeyGrant(Callers.foreignOperator("tenant-admin"), Set.of("tenant-admin"), Set.of()).allowed())
                .isFalse();
        assertThat(STRICT.decideKeyGrant(Callers.foreignOperator(), Set.of(), Set.of("timestore.read")).allowed()).isFalse();
        assertThat(STRICT.decideKeyGrant(Callers.homeOperator("tenant-admin"), Set.of("tenant-admin"), Set.of()).allowed())
                .isTrue();
    }

    @Test
    void the_platform_role_is_never_given_to_a_signing_key() {
        assertThatThrownBy(() -> STRICT.decideKeyGrant(Callers.homeOperator(), Set.of(Principal.PLATFORM_OPERATOR_ROLE),
                Set.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
