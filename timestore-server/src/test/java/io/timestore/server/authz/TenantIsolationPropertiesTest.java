package io.timestore.server.authz;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.SharedPostgres;
import io.timestore.server.testing.TimestoreServer;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * G2 over HTTP, by random sequences of operations — create dataset, write points (JSON and line
 * protocol, naming any tenant as org), read, list, share, unshare, read through a share — by
 * callers of several tenants over datasets whose names the tenants share. A model of what each
 * tenant wrote predicts every answer. Invariant: no read returns another tenant's points unless a
 * live share grants them, and no write lands in another tenant (checked in the database too).
 */
class TenantIsolationPropertiesTest {
    private static final List<String> TENANTS = List.of("iso-a", "iso-b", "iso-c");
    private static final List<String> DATASETS = List.of("cpu", "mem");
    private static final String SHARE_SCOPE = "iso.shared.read";
    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final AtomicLong VALUES = new AtomicLong();
    private static SharedPostgres postgres;
    private static TimestoreServer server;

    @BeforeContainer
    static void start() {
        postgres = SharedPostgres.standalone();
        server = TimestoreServer.create().start(postgres, "isolation");
        TENANTS.forEach(server::tenant);
    }

    @AfterContainer
    static void stop() {
        if (server != null) {
            server.stop();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    sealed interface Op permits Create, Write, Read, List_, Share, Unshare, SharedRead {}

    record Create(int actor, int dataset) implements Op {}

    record Write(int actor, int org, int dataset, boolean lineProtocol) implements Op {}

    record Read(int actor, int dataset) implements Op {}

    record List_(int actor) implements Op {}

    record Share(int owner, int dataset, int grantee) implements Op {}

    record Unshare(int owner, int dataset, int grantee) implements Op {}

    record SharedRead(int actor, int owner, int dataset) implements Op {}

    @Provide
    Arbitrary<List<Op>> operations() {
        var tenant = Arbitraries.integers().between(0, TENANTS.size() - 1);
        var dataset = Arbitraries.integers().between(0, DATASETS.size() - 1);
        Arbitrary<Op> op = Arbitraries.oneOf(
                Combinators.combine(tenant, dataset).as(Create::new),
                Combinators.combine(tenant, tenant, dataset, Arbitraries.of(true, false)).as(Write::new),
                Combinators.combine(tenant, dataset).as(Read::new),
                tenant.map(List_::new),
                Combinators.combine(tenant, dataset, tenant).as(Share::new),
                Combinators.combine(tenant, dataset, tenant).as(Unshare::new),
                Combinators.combine(tenant, tenant, dataset).as(SharedRead::new));
        return op.list().ofMinSize(1).ofMaxSize(20);
    }

    /** What the tenants wrote, as the model says the server must hold it. */
    private static final class Model {
        final String suffix = "-" + TRIES.incrementAndGet();
        final Map<String, Set<Long>> points = new HashMap<>();
        final Set<String> shares = new HashSet<>();

        String dataset(int index) {
            return DATASETS.get(index) + suffix;
        }

        static String key(int tenant, String dataset) {
            return TENANTS.get(tenant) + "/" + dataset;
        }
    }

    @Property(tries = 40)
    void no_read_returns_another_tenants_points_unless_shared_and_no_write_lands_elsewhere(@ForAll("operations") List<Op> ops) {
        var model = new Model();
        for (var op : ops) {
            apply(model, op);
        }
        for (int tenant = 0; tenant < TENANTS.size(); tenant++) {
            for (int dataset = 0; dataset < DATASETS.size(); dataset++) {
                var key = Model.key(tenant, model.dataset(dataset));
                assertThat(stored(TENANTS.get(tenant), model.dataset(dataset))).as("rows of %s", key)
                        .isEqualTo(model.points.getOrDefault(key, Set.of()));
            }
        }
    }

    private static void apply(Model model, Op op) {
        switch (op) {
            case Create c -> {
                var key = Model.key(c.actor(), model.dataset(c.dataset()));
                var response = server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(model.dataset(c.dataset())),
                        as(c.actor(), "tenant-admin"));
                assertThat(response.statusCode()).as("%s %s", op, response.body()).isEqualTo(model.points.containsKey(key) ? 409 : 201);
                model.points.putIfAbsent(key, new TreeSet<>());
            }
            case Write w -> {
                long value = VALUES.incrementAndGet();
                var dataset = model.dataset(w.dataset());
                var response = w.lineProtocol()
                        ? server.api().post("/api/v2/write?org=%s&bucket=%s".formatted(TENANTS.get(w.org()), dataset),
                                "m v=%di %d".formatted(value, value), as(w.actor(), "writer"))
                        : server.api().postJson("/storage/v1/datasets/%s/points".formatted(dataset),
                                "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": %d}, \"time\": %d}]}".formatted(value, value),
                                as(w.actor(), "writer"));
                var key = Model.key(w.actor(), dataset);
                boolean lands = model.points.containsKey(key) && (!w.lineProtocol() || w.org() == w.actor());
                assertThat(response.statusCode()).as("%s %s", op, response.body()).isEqualTo(lands ? 204 : 404);
                if (lands) {
                    model.points.get(key).add(value);
                }
            }
            case Read r -> {
                var dataset = model.dataset(r.dataset());
                var response = server.api().get("/storage/v1/datasets/%s/query?epoch=ns".formatted(dataset), as(r.actor(), "reader"));
                expectPoints(response, model.points.get(Model.key(r.actor(), dataset)), op);
            }
            case List_ l -> {
                var response = server.api().get("/storage/v1/datasets?limit=1000", as(l.actor(), "reader"));
                assertThat(response.statusCode()).isEqualTo(200);
                var seen = new TreeSet<String>();
                response.json().get("items").forEach(item -> seen.add(item.get("id").asText()));
                seen.removeIf(id -> !id.endsWith(model.suffix));
                var expected = new TreeSet<String>();
                for (int d = 0; d < DATASETS.size(); d++) {
                    if (model.points.containsKey(Model.key(l.actor(), model.dataset(d)))) {
                        expected.add(model.dataset(d));
                    }
                }
                assertThat(seen).as("%s", op).isEqualTo(expected);
            }
            case Share s -> {
                var dataset = model.dataset(s.dataset());
                var response = server.api().postJson("/storage/v1/datasets/%s/shares".formatted(dataset), """
                        {"tenant": "%s", "scope": "%s", "rationale": "property", "owner": "team"}
                        """.formatted(TENANTS.get(s.grantee()), SHARE_SCOPE), as(s.owner(), "tenant-admin"));
                var share = Model.key(s.owner(), dataset) + "->" + TENANTS.get(s.grantee());
                int expected = !model.points.containsKey(Model.key(s.owner(), dataset)) ? 404
                        : s.owner() == s.grantee() ? 400 : model.shares.contains(share) ? 409 : 201;
                assertThat(response.statusCode()).as("%s %s", op, response.body()).isEqualTo(expected);
                if (expected == 201) {
                    model.shares.add(share);
                }
            }
            case Unshare u -> {
                var dataset = model.dataset(u.dataset());
                var response = server.api().method("DELETE", "/storage/v1/datasets/%s/shares/%s".formatted(dataset, TENANTS.get(u.grantee())),
                        as(u.owner(), "tenant-admin"));
                var share = Model.key(u.owner(), dataset) + "->" + TENANTS.get(u.grantee());
                assertThat(response.statusCode()).as("%s %s", op, response.body()).isEqualTo(model.shares.remove(share) ? 204 : 404);
            }
            case SharedRead r -> {
                var dataset = model.dataset(r.dataset());
                var response = server.api().get("/storage/v1/shared/%s/datasets/%s/query?epoch=ns".formatted(TENANTS.get(r.owner()), dataset),
                        bearer(server.tokens().scoped(TENANTS.get(r.actor()), SHARE_SCOPE)));
                boolean shared = model.shares.contains(Model.key(r.owner(), dataset) + "->" + TENANTS.get(r.actor()));
                expectPoints(response, shared ? model.points.get(Model.key(r.owner(), dataset)) : null, op);
            }
        }
    }

    /** 200 with exactly {@code expected} values, or 404 when the caller must not see the dataset (null). */
    private static void expectPoints(io.timestore.server.testing.ApiResponse response, Set<Long> expected, Op op) {
        if (expected == null) {
            assertThat(response.statusCode()).as("%s %s", op, response.body()).isEqualTo(404);
            return;
        }
        assertThat(response.statusCode()).as("%s %s", op, response.body()).isEqualTo(200);
        var values = new TreeSet<Long>();
        response.json().get("series").forEach(series -> series.get("points").forEach(point -> values.add(point.get(1).asLong())));
        assertThat(values).as("%s", op).isEqualTo(expected);
    }

    private static String[] as(int tenant, String role) {
        return bearer(server.tokens().user(TENANTS.get(tenant), role));
    }

    /** The values stored for (tenant, dataset), read as the database owner, past row-level security. */
    private static Set<Long> stored(String tenant, String dataset) {
        try (var connection = postgres.superuser(server.database());
             var statement = connection.prepareStatement("SELECT i FROM points WHERE tenant_id = ? AND dataset_id = ?")) {
            statement.setString(1, tenant);
            statement.setString(2, dataset);
            var values = new TreeSet<Long>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    values.add(rows.getLong(1));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
