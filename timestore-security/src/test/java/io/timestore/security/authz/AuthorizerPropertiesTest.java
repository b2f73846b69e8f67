package io.timestore.security.authz;

import static io.timestore.security.authz.Callers.ACME;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.SecurityContext;
import io.timestore.security.TokenPermission;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class AuthorizerPropertiesTest {
    static final List<String> ROLES = List.of("reader", "writer", "runtime-writer", "auditor", "support",
            "tenant-admin", "platform-operator", "finance", "finance-writer", "finance-admin", "unknown");
    static final List<String> SCOPES = List.of("timestore.read", "timestore.write", "timestore.refresh.write",
            "timestore.audit.read", "timestore.admin", "storage.read.refresh", "storage.write.refresh",
            "storage.read.audit", "payroll.read", "timestore.query", "openid");
    static final List<String> DATASETS = List.of("cpu", "mem", "payroll");

    static final Authorizer STRICT = new Authorizer(AuthorizationSettings.strictDefaults());
    static final Authorizer LEGACY = new Authorizer(AuthorizationSettings.legacyDefaults(true));

    @Provide
    Arbitrary<Resource> resources() {
        var platformBlock = Resource.dataset(ACME, "ops", 3, DatasetAccess.TENANT_DEFAULTS
                .withRead(AccessRequirement.roles("platform-operator", "reader")));
        return Arbitraries.of(AuthorizerTableTest.TENANT, AuthorizerTableTest.CPU, AuthorizerTableTest.PAYROLL,
                Resource.dataset(ACME, "mem", 2, DatasetAccess.TENANT_DEFAULTS), platformBlock);
    }

    @Provide
    Arbitrary<Set<String>> roleSets() {
        return Arbitraries.of(ROLES).set().ofMaxSize(4);
    }

    @Provide
    Arbitrary<Set<String>> scopeSets() {
        return Arbitraries.of(SCOPES).set().ofMaxSize(4);
    }

    @Provide
    Arbitrary<String> anyRole() {
        return Arbitraries.of(ROLES);
    }

    @Provide
    Arbitrary<List<TokenPermission>> permissions() {
        Arbitrary<String> action = Arbitraries.of(Action.values()).map(Action::label);
        Arbitrary<Optional<Set<String>>> datasets = Arbitraries.of(DATASETS).set().ofMinSize(1).ofMaxSize(2)
                .optional(0.6);
        return Combinators.combine(action, datasets).as(TokenPermission::new).list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<Authorizer> authorizers() {
        return Arbitraries.of(STRICT, LEGACY);
    }

    @Property
    void a_token_never_allows_an_action_absent_from_its_permissions(
            @ForAll("permissions") List<TokenPermission> permissions, @ForAll Action action,
            @ForAll("resources") Resource resource, @ForAll RouteKind route, @ForAll("authorizers") Authorizer authorizer) {
        if (!action.datasetScoped() && resource instanceof Resource.Dataset) {
            return;
        }
        Decision decision = authorizer.decide(Callers.token(permissions.toArray(TokenPermission[]::new)), action, resource, route);

        if (decision.allowed()) {
            String dataset = resource instanceof Resource.Dataset d ? d.id() : null;
            assertThat(permissions).anySatisfy(p -> {
                assertThat(p.action()).isEqualTo(action.label());
                assertThat(p.datasets().isEmpty() || (dataset != null && p.datasets().get().contains(dataset))).isTrue();
            });
        }
    }

    @Property
    void decisions_are_a_pure_function_of_their_inputs(
            @ForAll("roleSets") Set<String> roles, @ForAll("scopeSets") Set<String> scopes, @ForAll Action action,
            @ForAll("resources") Resource resource, @ForAll RouteKind route) {
        if (!action.datasetScoped() && resource instanceof Resource.Dataset) {
            return;
        }
        SecurityContext ctx = Callers.jwt(roles, scopes);
        var fresh = new Authorizer(AuthorizationSettings.legacyDefaults(true));

        Decision cold = fresh.decide(ctx, action, resource, route);
        Decision warm = fresh.decide(ctx, action, resource, route);
        Decision shared = LEGACY.decide(Callers.jwt(new HashSet<>(roles), new HashSet<>(scopes)), action, resource, route);

        assertThat(warm).isEqualTo(cold);
        assertThat(shared).isEqualTo(cold);
    }

    @Property
    void adding_a_role_never_removes_an_allowed_action(
            @ForAll("roleSets") Set<String> roles, @ForAll("scopeSets") Set<String> scopes, @ForAll("anyRole") String extra,
            @ForAll Action action, @ForAll("resources") Resource resource, @ForAll RouteKind route,
            @ForAll("authorizers") Authorizer authorizer) {
        if (!action.datasetScoped() && resource instanceof Resource.Dataset) {
            return;
        }
        var more = new HashSet<>(roles);
        more.add(extra);

        boolean before = authorizer.decide(Callers.jwt(roles, scopes), action, resource, route).allowed();
        boolean after = authorizer.decide(Callers.jwt(more, scopes), action, resource, route).allowed();

        assertThat(!before || after).as("allowed with %s, denied after adding %s", roles, extra).isTrue();
    }

    @Property
    void strict_mode_never_admits_by_a_legacy_rule(
            @ForAll("roleSets") Set<String> roles, @ForAll("scopeSets") Set<String> scopes, @ForAll Action action,
            @ForAll("resources") Resource resource, @ForAll RouteKind route) {
        if (!action.datasetScoped() && resource instanceof Resource.Dataset) {
            return;
        }
        for (SecurityContext ctx : List.of(Callers.jwt(roles, scopes), Callers.anonymous())) {
            Decision decision = STRICT.decide(ctx, action, resource, route);
            if (decision instanceof Decision.Allowed allowed) {
                assertThat(allowed.legacyRule()).isEmpty();
            }
        }
    }

    @Property
    void a_platform_operator_on_another_tenant_gets_dataset_actions_only_from_blocks_naming_its_role(
            @ForAll("roleSets") Set<String> roles, @ForAll("resources") Resource resource, @ForAll RouteKind route) {
        SecurityContext ctx = Callers.foreignOperator(roles.toArray(String[]::new));
        for (Action action : Action.values()) {
            if (!action.datasetScoped() || !(resource instanceof Resource.Dataset dataset)) {
                continue;
            }
            boolean namesPlatformRole = dataset.access().blockFor(action)
                    .map(block -> block.roles().contains("platform-operator")).orElse(false);

            assertThat(STRICT.decide(ctx, action, resource, route).allowed()).isEqualTo(namesPlatformRole);
        }
    }
}
