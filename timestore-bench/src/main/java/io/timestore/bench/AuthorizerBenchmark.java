package io.timestore.bench;

import io.timestore.security.AuthMethod;
import io.timestore.security.Principal;
import io.timestore.security.PrincipalKind;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.security.authz.AccessRequirement;
import io.timestore.security.authz.Action;
import io.timestore.security.authz.AuthorizationPolicy;
import io.timestore.security.authz.AuthorizationSettings;
import io.timestore.security.authz.Authorizer;
import io.timestore.security.authz.DatasetAccess;
import io.timestore.security.authz.Decision;
import io.timestore.security.authz.Resource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.casbin.jcasbin.main.CachedEnforcer;
import org.casbin.jcasbin.main.Enforcer;
import org.casbin.jcasbin.model.Model;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * A cached authorization decision (issue 5: at most 1 µs at the median) beside the same decision
 * made by jCasbin with an RBAC-with-domains model (domain = tenant), in the same run.
 *
 * <p>Both engines hold the same data: for each of {@code tenants} tenants, the default role mapping
 * of every built-in tenant role on all datasets, and a {@code payroll} dataset whose read is
 * restricted to role {@code finance}. Two decisions are measured: a {@code reader} reading
 * {@code cpu} (tenant defaults) and a {@code finance} user reading {@code payroll} (dataset block).
 * The Authorizer's dataset requirements are compiled and cached by the first call in setup.
 * The jCasbin model expresses both <em>allowed</em> decisions measured here; it does not express
 * "a dataset block replaces the defaults" (that would need deny rules and a priority effect), so
 * only allowed decisions are compared.
 *
 * <p>Run: {@code java -cp "timestore-bench/target/classes:timestore-bench/target/lib/*"
 * io.timestore.bench.AuthorizerBenchmark} (short run), or through {@code org.openjdk.jmh.Main
 * AuthorizerBenchmark} with any JMH options.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AuthorizerBenchmark {
    private static final String CASBIN_MODEL = """
            [request_definition]
            r = sub, dom, obj, act

            [policy_definition]
            p = sub, dom, obj, act

            [role_definition]
            g = _, _, _

            [policy_effect]
            e = some(where (p.eft == allow))

            [matchers]
            m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && (p.obj == "*" || r.obj == p.obj) && r.act == p.act
            """;

    /** Tenants loaded into both engines; the measured tenant is the last one. */
    @Param({"1", "100"})
    public int tenants;

    private Authorizer authorizer;
    private SecurityContext reader;
    private SecurityContext finance;
    private Resource cpu;
    private Resource payroll;

    private Enforcer casbin;
    private CachedEnforcer cachedCasbin;
    private String tenant;

    @Setup(Level.Trial)
    public void setUp() {
        authorizer = new Authorizer(AuthorizationSettings.strictDefaults());
        casbin = new Enforcer(Model.newModelFromString(CASBIN_MODEL));
        cachedCasbin = new CachedEnforcer(Model.newModelFromString(CASBIN_MODEL));
        // jCasbin logs every enforce() at INFO by default; measuring the logger is not the point.
        casbin.enableLog(false);
        cachedCasbin.enableLog(false);
        var policy = AuthorizationPolicy.defaults();
        var payrollAccess = DatasetAccess.TENANT_DEFAULTS.withRead(AccessRequirement.roles("finance"));
        for (int t = 0; t < tenants; t++) {
            var id = new TenantId("tenant-" + t);
            for (Enforcer enforcer : List.of(casbin, cachedCasbin)) {
                policy.roles().forEach((role, actions) -> {
                    for (Action action : actions) {
                        if (action.datasetScoped()) {
                            enforcer.addPolicy(role, id.value(), "*", action.label());
                        }
                    }
                });
                enforcer.addPolicy("finance", id.value(), "payroll", "dataset:read");
                enforcer.addGroupingPolicy("alice-" + t, "reader", id.value());
                enforcer.addGroupingPolicy("fiona-" + t, "finance", id.value());
            }
            tenant = id.value();
            reader = context(id, "alice-" + t, "reader");
            finance = context(id, "fiona-" + t, "finance");
            cpu = Resource.dataset(id, "cpu", 1, DatasetAccess.TENANT_DEFAULTS);
            payroll = Resource.dataset(id, "payroll", 4, payrollAccess);
            // Warm the compiled-requirements cache for every tenant's datasets.
            authorizer.decide(reader, Action.DATASET_READ, cpu);
            authorizer.decide(finance, Action.DATASET_READ, payroll);
        }
        check(authorizer.decide(reader, Action.DATASET_READ, cpu).allowed(), "authorizer reader/cpu");
        check(authorizer.decide(finance, Action.DATASET_READ, payroll).allowed(), "authorizer finance/payroll");
        check(!authorizer.decide(reader, Action.DATASET_READ, payroll).allowed(), "authorizer reader/payroll denied");
        check(casbin.enforce(reader.principal().subject(), tenant, "cpu", "dataset:read"), "casbin reader/cpu");
        check(casbin.enforce(finance.principal().subject(), tenant, "payroll", "dataset:read"), "casbin finance/payroll");
    }

    @Benchmark
    public Decision authorizerTenantDefaults() {
        return authorizer.decide(reader, Action.DATASET_READ, cpu);
    }

    @Benchmark
    public Decision authorizerDatasetBlock() {
        return authorizer.decide(finance, Action.DATASET_READ, payroll);
    }

    @Benchmark
    public boolean casbinTenantDefaults() {
        return casbin.enforce(reader.principal().subject(), tenant, "cpu", "dataset:read");
    }

    @Benchmark
    public boolean casbinDatasetBlock() {
        return casbin.enforce(finance.principal().subject(), tenant, "payroll", "dataset:read");
    }

    @Benchmark
    public boolean casbinCachedTenantDefaults() {
        return cachedCasbin.enforce(reader.principal().subject(), tenant, "cpu", "dataset:read");
    }

    private static SecurityContext context(TenantId tenant, String subject, String role) {
        var principal = new Principal(subject, PrincipalKind.USER, Optional.of(tenant), Set.of(role),
                Set.of("openid"), Set.of(), AuthMethod.JWT, List.of());
        return new SecurityContext(principal, tenant, "bench", "bench", false, Optional.empty());
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("benchmark setup is wrong: " + what);
        }
    }

    /** A short run of this benchmark only (the settings of the annotations above). */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(AuthorizerBenchmark.class.getSimpleName()).build()).run();
    }
}
