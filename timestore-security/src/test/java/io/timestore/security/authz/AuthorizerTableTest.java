package io.timestore.security.authz;

import static io.timestore.security.authz.Action.AUDIT_GET;
import static io.timestore.security.authz.Action.AUDIT_LIST;
import static io.timestore.security.authz.Action.DATASET_ADMIN;
import static io.timestore.security.authz.Action.DATASET_READ;
import static io.timestore.security.authz.Action.DATASET_WRITE;
import static io.timestore.security.authz.Action.REFRESH_READ;
import static io.timestore.security.authz.Action.REFRESH_WRITE;
import static io.timestore.security.authz.Action.TENANT_ADMIN;
import static io.timestore.security.authz.Action.TOKEN_MANAGE;
import static io.timestore.security.authz.Callers.ACME;
import static io.timestore.security.authz.Callers.GLOBEX;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.SecurityContext;
import io.timestore.security.TokenPermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One row per (caller, action, resource, mode, route) with the expected decision, rendered as
 * {@code allow}, {@code allow audit=full}, {@code allow legacy=global_query_scope} or
 * {@code deny <reason> role=<r> scope=<s>}.
 */
class AuthorizerTableTest {
    static final Resource TENANT = Resource.tenant(ACME);
    static final Resource CPU = Resource.dataset(ACME, "cpu", 1, DatasetAccess.TENANT_DEFAULTS);
    static final Resource PAYROLL = Resource.dataset(ACME, "payroll", 7, DatasetAccess.TENANT_DEFAULTS
            .withRead(new AccessRequirement(Set.of("finance"), Set.of("payroll.read")))
            .withWrite(AccessRequirement.roles("finance-writer"))
            .withAdmin(AccessRequirement.roles("finance-admin")));
    static final Resource GLOBEX_CPU = Resource.dataset(GLOBEX, "cpu", 1, DatasetAccess.TENANT_DEFAULTS);

    static final Authorizer STRICT = new Authorizer(AuthorizationSettings.strictDefaults());
    static final Authorizer LEGACY = new Authorizer(AuthorizationSettings.legacyDefaults(false));
    static final Authorizer LEGACY_INGEST = new Authorizer(AuthorizationSettings.legacyDefaults(true));

    record Row(String caller, SecurityContext context, Action action, Resource resource, Authorizer authorizer,
               RouteKind route, String expected) {
        @Override
        public String toString() {
            return "%s %s %s on %s -> %s".formatted(caller, mode(authorizer), action.label(), name(resource), expected);
        }
    }

    static Row row(String caller, SecurityContext ctx, Action action, Resource resource, String expected) {
        return new Row(caller, ctx, action, resource, STRICT, RouteKind.OTHER, expected);
    }

    static Row row(String caller, SecurityContext ctx, Action action, Resource resource, Authorizer authorizer,
                   RouteKind route, String expected) {
        return new Row(caller, ctx, action, resource, authorizer, route, expected);
    }

    static Stream<Row> table() {
        var reader = Callers.roles("reader");
        var writer = Callers.roles("writer");
        var runtime = Callers.roles("runtime-writer");
        var auditor = Callers.roles("auditor");
        var support = Callers.roles("support");
        var admin = Callers.roles("tenant-admin");
        var finance = Callers.roles("finance");
        var legacyQuery = Callers.scopes("timestore.query");
        return Stream.of(
                // Built-in roles on a dataset using the tenant defaults.
                row("reader", reader, DATASET_READ, CPU, "allow"),
                row("reader", reader, REFRESH_READ, CPU, "allow"),
                row("reader", reader, DATASET_WRITE, CPU, "deny role_or_scope_missing role=writer scope=timestore.write"),
                row("reader", reader, DATASET_ADMIN, TENANT, "deny role_or_scope_missing role=tenant-admin scope=timestore.admin"),
                row("writer", writer, DATASET_WRITE, CPU, "allow"),
                row("writer", writer, DATASET_READ, CPU, "allow"),
                row("writer", writer, REFRESH_WRITE, CPU, "deny role_or_scope_missing role=runtime-writer scope=timestore.refresh.write"),
                row("runtime-writer", runtime, REFRESH_WRITE, CPU, "allow"),
                row("runtime-writer", runtime, DATASET_WRITE, CPU, "allow"),
                row("runtime-writer", runtime, DATASET_READ, CPU, "deny role_or_scope_missing role=reader scope=timestore.read"),
                row("auditor", auditor, AUDIT_LIST, TENANT, "allow audit=full"),
                row("auditor", auditor, AUDIT_GET, TENANT, "allow audit=full"),
                row("auditor", auditor, DATASET_READ, CPU, "deny role_or_scope_missing role=reader scope=timestore.read"),
                row("support", support, AUDIT_LIST, TENANT, "allow audit=redacted"),
                row("support+auditor", Callers.roles("support", "auditor"), AUDIT_GET, TENANT, "allow audit=full"),
                row("tenant-admin", admin, DATASET_ADMIN, CPU, "allow"),
                row("tenant-admin", admin, TOKEN_MANAGE, TENANT, "allow"),
                row("tenant-admin", admin, AUDIT_LIST, TENANT, "allow audit=full"),
                row("tenant-admin", admin, TENANT_ADMIN, TENANT, "deny role_or_scope_missing role=platform-operator scope=-"),
                row("unknown role", Callers.roles("finance"), DATASET_READ, CPU, "deny role_or_scope_missing role=reader scope=timestore.read"),
                // Scopes.
                row("timestore.read", Callers.scopes("timestore.read"), DATASET_READ, CPU, "allow"),
                row("timestore.write", Callers.scopes("timestore.write"), DATASET_WRITE, CPU, "allow"),
                row("timestore.refresh.write", Callers.scopes("timestore.refresh.write"), REFRESH_WRITE, CPU, "allow"),
                row("timestore.admin", Callers.scopes("timestore.admin"), TOKEN_MANAGE, TENANT, "allow"),
                row("timestore.audit.read", Callers.scopes("timestore.audit.read"), AUDIT_GET, TENANT, "allow audit=full"),
                row("storage.read.refresh", Callers.scopes("storage.read.refresh"), REFRESH_READ, CPU, "allow"),
                row("storage.read.refresh", Callers.scopes("storage.read.refresh"), DATASET_READ, CPU, "deny role_or_scope_missing role=reader scope=timestore.read"),
                row("storage.write.refresh", Callers.scopes("storage.write.refresh"), REFRESH_WRITE, CPU, "allow"),
                row("storage.read.audit", Callers.scopes("storage.read.audit"), AUDIT_LIST, TENANT, "allow audit=full"),
                // Signed requests carry roles and scopes like a JWT.
                row("signed writer", Callers.signed(Set.of("writer"), Set.of()), DATASET_WRITE, CPU, "allow"),
                row("signed platform role", Callers.signed(Set.of("platform-operator"), Set.of()), AUDIT_LIST, TENANT,
                        "deny role_or_scope_missing role=auditor scope=timestore.audit.read"),
                // A dataset block replaces the defaults for its action.
                row("reader", reader, DATASET_READ, PAYROLL, "deny role_or_scope_missing role=finance scope=payroll.read"),
                row("finance", finance, DATASET_READ, PAYROLL, "allow"),
                row("payroll.read", Callers.scopes("payroll.read"), DATASET_READ, PAYROLL, "allow"),
                row("finance", finance, DATASET_WRITE, PAYROLL, "deny role_or_scope_missing role=finance-writer scope=-"),
                row("finance", finance, REFRESH_READ, PAYROLL, "deny role_or_scope_missing role=reader scope=timestore.read"),
                row("reader", reader, REFRESH_READ, PAYROLL, "allow"),
                row("tenant-admin", admin, DATASET_READ, PAYROLL, "deny role_or_scope_missing role=finance scope=payroll.read"),
                row("tenant-admin", admin, DATASET_ADMIN, PAYROLL, "allow"),
                row("timestore.admin", Callers.scopes("timestore.admin"), DATASET_ADMIN, PAYROLL, "deny role_or_scope_missing role=finance-admin scope=-"),
                row("finance-admin", Callers.roles("finance-admin"), DATASET_ADMIN, PAYROLL, "allow"),
                // Another tenant's dataset is "not found", whoever asks.
                row("tenant-admin", admin, DATASET_READ, GLOBEX_CPU, "deny tenant_mismatch role=- scope=-"),
                row("token", Callers.token(TokenPermission.onAllDatasets("dataset:read")), DATASET_READ, GLOBEX_CPU, "deny tenant_mismatch role=- scope=-"),
                // API tokens: only their permissions.
                row("token read all", Callers.token(TokenPermission.onAllDatasets("dataset:read")), DATASET_READ, CPU, "allow"),
                row("token read all", Callers.token(TokenPermission.onAllDatasets("dataset:read")), DATASET_READ, TENANT, "allow"),
                row("token read all", Callers.token(TokenPermission.onAllDatasets("dataset:read")), DATASET_WRITE, CPU, "deny token_permission_missing role=- scope=-"),
                row("token read all", Callers.token(TokenPermission.onAllDatasets("dataset:read")), DATASET_READ, PAYROLL, "deny token_permission_missing role=- scope=-"),
                row("token read payroll", Callers.token(TokenPermission.onDatasets("dataset:read", Set.of("payroll"))), DATASET_READ, PAYROLL, "allow"),
                row("token read payroll", Callers.token(TokenPermission.onDatasets("dataset:read", Set.of("payroll"))), DATASET_READ, CPU, "deny token_permission_missing role=- scope=-"),
                row("token read payroll", Callers.token(TokenPermission.onDatasets("dataset:read", Set.of("payroll"))), DATASET_READ, TENANT, "deny token_permission_missing role=- scope=-"),
                row("token refresh all", Callers.token(TokenPermission.onAllDatasets("refresh:read")), REFRESH_READ, PAYROLL, "allow"),
                row("token audit", Callers.token(TokenPermission.onAllDatasets("audit:list")), AUDIT_LIST, TENANT, "allow audit=redacted"),
                row("token tenant:admin", Callers.token(TokenPermission.onAllDatasets("tenant:admin")), TENANT_ADMIN, TENANT, "deny token_permission_missing role=- scope=-"),
                row("token unknown action", Callers.token(TokenPermission.onAllDatasets("dataset:*")), DATASET_READ, CPU, "deny token_permission_missing role=- scope=-"),
                // Platform operators.
                row("operator foreign", Callers.foreignOperator(), TENANT_ADMIN, TENANT, "allow"),
                row("operator foreign", Callers.foreignOperator(), TENANT_ADMIN, Resource.tenant(GLOBEX), "allow"),
                row("operator foreign", Callers.foreignOperator(), AUDIT_LIST, TENANT, "allow audit=full"),
                row("operator foreign", Callers.foreignOperator("tenant-admin"), DATASET_READ, CPU, "deny foreign_tenant_operator role=- scope=-"),
                row("operator foreign", Callers.foreignOperator("tenant-admin"), TOKEN_MANAGE, TENANT, "deny foreign_tenant_operator role=- scope=-"),
                row("operator home", Callers.homeOperator(), DATASET_READ, CPU, "deny role_or_scope_missing role=reader scope=timestore.read"),
                row("operator home", Callers.homeOperator("reader"), DATASET_READ, CPU, "allow"),
                // Strict and legacy modes.
                row("timestore.query", legacyQuery, DATASET_READ, CPU, STRICT, RouteKind.QUERY, "deny role_or_scope_missing role=reader scope=timestore.read"),
                row("timestore.query", legacyQuery, DATASET_READ, CPU, LEGACY, RouteKind.QUERY, "allow legacy=global_query_scope"),
                row("timestore.query", legacyQuery, DATASET_READ, PAYROLL, LEGACY, RouteKind.QUERY, "allow legacy=global_query_scope"),
                row("timestore.query", legacyQuery, DATASET_READ, CPU, LEGACY, RouteKind.OTHER, "deny role_or_scope_missing role=reader scope=timestore.read"),
                row("timestore.query", legacyQuery, DATASET_WRITE, CPU, LEGACY, RouteKind.QUERY, "deny role_or_scope_missing role=writer scope=timestore.write"),
                row("reader+timestore.query", Callers.jwt(Set.of("reader"), Set.of("timestore.query")), DATASET_READ, CPU, LEGACY, RouteKind.QUERY, "allow"),
                row("operator foreign + query", Callers.foreignOperator(), DATASET_READ, CPU, LEGACY, RouteKind.QUERY, "deny foreign_tenant_operator role=- scope=-"),
                row("anonymous", Callers.anonymous(), DATASET_WRITE, CPU, STRICT, RouteKind.INGEST, "deny authentication_required role=- scope=-"),
                row("anonymous", Callers.anonymous(), DATASET_WRITE, CPU, LEGACY, RouteKind.INGEST, "deny authentication_required role=- scope=-"),
                row("anonymous", Callers.anonymous(), DATASET_WRITE, CPU, LEGACY_INGEST, RouteKind.INGEST, "allow legacy=unauthenticated_ingest"),
                row("anonymous", Callers.anonymous(), DATASET_WRITE, PAYROLL, LEGACY_INGEST, RouteKind.INGEST, "deny authentication_required role=- scope=-"),
                row("anonymous", Callers.anonymous(), DATASET_READ, CPU, LEGACY_INGEST, RouteKind.QUERY, "deny authentication_required role=- scope=-"),
                row("anonymous", Callers.anonymous(), DATASET_WRITE, CPU, LEGACY_INGEST, RouteKind.OTHER, "deny authentication_required role=- scope=-"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides_as_the_table_says(Row row) {
        Decision decision = row.authorizer().decide(row.context(), row.action(), row.resource(), row.route());

        assertThat(render(decision)).isEqualTo(row.expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void a_repeated_decision_from_the_cache_is_the_same(Row row) {
        Decision first = row.authorizer().decide(row.context(), row.action(), row.resource(), row.route());
        Decision second = row.authorizer().decide(row.context(), row.action(), row.resource(), row.route());

        assertThat(second).isEqualTo(first);
    }

    static String render(Decision decision) {
        return switch (decision) {
            case Decision.Allowed a -> "allow"
                    + a.auditView().map(v -> " audit=" + v.label()).orElse("")
                    + a.legacyRule().map(r -> " legacy=" + r.label()).orElse("");
            case Decision.Denied d -> "deny %s role=%s scope=%s".formatted(
                    d.reason().code(), d.missingRole().orElse("-"), d.missingScope().orElse("-"));
        };
    }

    private static String mode(Authorizer authorizer) {
        var s = authorizer.settings();
        return s.mode() == AuthMode.STRICT ? "strict" : s.unauthenticatedIngest() ? "legacy+ingest" : "legacy";
    }

    private static String name(Resource resource) {
        return switch (resource) {
            case Resource.Tenant t -> "tenant " + t.tenant();
            case Resource.Dataset d -> d.tenant() + "/" + d.id();
        };
    }

    static List<Action> all() {
        return List.of(Action.values());
    }
}
