package io.timestore.security.authz;

import static io.timestore.security.authz.Callers.ACME;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthorizerCacheTest {
    private static final DatasetAccess FINANCE_ONLY =
            DatasetAccess.TENANT_DEFAULTS.withRead(AccessRequirement.roles("finance"));

    @Test
    void a_new_revision_recompiles_the_dataset_requirements() {
        var authorizer = new Authorizer(AuthorizationSettings.strictDefaults());
        var reader = Callers.roles("reader");

        var open = authorizer.decide(reader, Action.DATASET_READ, Resource.dataset(ACME, "cpu", 1, DatasetAccess.TENANT_DEFAULTS));
        var restricted = authorizer.decide(reader, Action.DATASET_READ, Resource.dataset(ACME, "cpu", 2, FINANCE_ONLY));
        var reopened = authorizer.decide(reader, Action.DATASET_READ, Resource.dataset(ACME, "cpu", 3, DatasetAccess.TENANT_DEFAULTS));

        assertThat(open.allowed()).isTrue();
        assertThat(restricted).isInstanceOfSatisfying(Decision.Denied.class,
                d -> assertThat(d.missingRole()).contains("finance"));
        assertThat(reopened.allowed()).isTrue();
        assertThat(authorizer.cachedDatasets()).isEqualTo(1);
    }

    @Test
    void the_cache_holds_at_most_its_configured_number_of_datasets() {
        var settings = new AuthorizationSettings(AuthMode.STRICT, "timestore.query", false, 3, AuthorizationPolicy.defaults());
        var authorizer = new Authorizer(settings);

        for (int i = 0; i < 50; i++) {
            authorizer.decide(Callers.roles("reader"), Action.DATASET_READ,
                    Resource.dataset(ACME, "ds-" + i, 1, FINANCE_ONLY));
        }

        assertThat(authorizer.cachedDatasets()).isLessThanOrEqualTo(3);
    }

    @Test
    void the_same_dataset_name_in_two_tenants_is_cached_separately() {
        var authorizer = new Authorizer(AuthorizationSettings.strictDefaults());
        var globex = Callers.own(new io.timestore.security.Principal("bob", io.timestore.security.PrincipalKind.USER,
                java.util.Optional.of(Callers.GLOBEX), Set.of("reader"), Set.of(), Set.of(),
                io.timestore.security.AuthMethod.JWT, java.util.List.of()));
        var globexContext = new io.timestore.security.SecurityContext(globex.principal(), Callers.GLOBEX, "r", "t", false,
                java.util.Optional.empty());

        var acmeDecision = authorizer.decide(Callers.roles("reader"), Action.DATASET_READ, Resource.dataset(ACME, "cpu", 1, FINANCE_ONLY));
        var globexDecision = authorizer.decide(globexContext, Action.DATASET_READ,
                Resource.dataset(Callers.GLOBEX, "cpu", 1, DatasetAccess.TENANT_DEFAULTS));

        assertThat(acmeDecision.allowed()).isFalse();
        assertThat(globexDecision.allowed()).isTrue();
    }
}
