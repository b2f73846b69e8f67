package io.timestore.server.authz;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.authz.AuthorizationSettings;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every API route x every kind of caller -> the status it gets (docs/architecture.md §10), run against two
 * real servers: strict mode, and legacy mode with unauthenticated ingestion enabled. A cell
 * {@code 403/200} means 403 in strict mode and 200 in legacy mode. The callers act on tenant
 * {@code acme}; dataset routes target its dataset {@code cpu} (or a fresh dataset for routes
 * that change or delete it); shared reads target {@code globex}'s dataset {@code gdata}, shared
 * with {@code acme} under scope {@code globex.gdata.read}. Requests are valid, so a status says
 * what authorization decided. Checkpoints are signed at every sealing round, so the audit log
 * routes find acme's, globex's and the platform's logs signed (the fixture seals before the run). A registered route missing from the table fails the test.
 */
class AuthorizationMatrixTest {
    /**
     * Columns: anon = no credentials; the seven built-in roles; s-* = a JWT holding only that scope
     * (read, write, refresh.write, audit.read, admin of timestore.*); tok+ = API token with the
     * route's action on the target (named dataset, or all datasets for tenant routes); tok- = API
     * token whose permissions name another dataset; other = globex's tenant-admin; op+ / op- =
     * platform operator with / without X-Tenant-ID: acme (without it, audit reads act on the
     * platform and read _platform, where acme's event is not found); lq = JWT holding only the
     * legacy global query scope timestore.query; la = no credentials but X-Tenant-ID: acme (legacy ingestion);
     * shr = acme JWT holding the share's scope globex.gdata.read. Listing datasets answers 200 to
     * every caller of the tenant: the list holds only the datasets the caller may read. Minting
     * gives only what the minter holds (docs/authorization.md, "Minting credentials"): the new
     * signing key carries role tenant-admin, which s-ad (scope timestore.admin) does not hold, and a
     * share grants read, which s-ad may not do. Who-am-I answers every authenticated caller; the development
 * sign-in ignores any credential sent (it issues its own) and answers every caller while the
 * development issuer is on, as it is in these servers.
     */
    static final String MATRIX = """
            route                                                      | anon rdr wrt rtw aud sup adm s-r s-w s-rw s-au s-ad tok+ tok- other op+ op- lq      la      shr
            POST /admin/v1/tenants                                     | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  403   201 201 403     401     403
            GET /admin/v1/tenants                                      | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  403   200 200 403     401     403
            GET /admin/v1/tenants/{tenant}                             | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  403   200 200 403     401     403
            PATCH /admin/v1/tenants/{tenant}                           | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  403   200 200 403     401     403
            GET /admin/v1/tenants/{tenant}/limits                      | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  403   200 200 403     401     403
            PUT /admin/v1/tenants/{tenant}/limits                      | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  403   200 200 403     401     403
            DELETE /admin/v1/tenants/{tenant}/limits                   | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  403   204 204 403     401     403
            GET /admin/v1/blocks                                       | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  403   200 200 403     401     403
            DELETE /admin/v1/blocks/{block}                            | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  403   404 404 403     401     403
            POST /admin/v1/tokens                                      | 401  403 403 403 403 403 201 403 403 403  403  201  403  403  201   403 401 403     401     403
            GET /admin/v1/tokens                                       | 401  403 403 403 403 403 200 403 403 403  403  200  403  403  200   403 401 403     401     403
            DELETE /admin/v1/tokens/{id}                               | 401  403 403 403 403 403 204 403 403 403  403  204  403  403  404   403 401 403     401     403
            POST /admin/v1/signing-keys                                | 401  403 403 403 403 403 201 403 403 403  403  403  403  403  201   403 401 403     401     403
            GET /admin/v1/signing-keys                                 | 401  403 403 403 403 403 200 403 403 403  403  200  403  403  200   403 401 403     401     403
            DELETE /admin/v1/signing-keys/{id}                         | 401  403 403 403 403 403 204 403 403 403  403  204  403  403  404   403 401 403     401     403
            POST /admin/v1/audit-streams                               | 401  403 403 403 403 403 201 403 403 403  403  403  403  403  201   403 401 403     401     403
            GET /admin/v1/audit-streams                                | 401  403 403 403 403 403 200 403 403 403  403  403  403  403  200   403 401 403     401     403
            POST /admin/v1/audit-streams/{id}/pause                    | 401  403 403 403 403 403 200 403 403 403  403  403  403  403  404   403 401 403     401     403
            POST /admin/v1/audit-streams/{id}/resume                   | 401  403 403 403 403 403 200 403 403 403  403  403  403  403  404   403 401 403     401     403
            POST /admin/v1/audit-streams/{id}/test                     | 401  403 403 403 403 403 200 403 403 403  403  403  403  403  404   403 401 403     401     403
            DELETE /admin/v1/audit-streams/{id}                        | 401  403 403 403 403 403 204 403 403 403  403  403  403  403  404   403 401 403     401     403
            POST /storage/v1/datasets                                  | 401  403 403 403 403 403 201 403 403 403  403  201  201  403  201   403 401 403     401     403
            GET /storage/v1/datasets                                   | 401  200 200 200 200 200 200 200 200 200  200  200  200  200  200   200 401 200     401     200
            GET /storage/v1/datasets/{dataset}                         | 401  200 200 403 403 403 200 200 403 403  403  403  200  403  404   403 401 403     401     403
            PATCH /storage/v1/datasets/{dataset}                       | 401  403 403 403 403 403 200 403 403 403  403  200  200  403  404   403 401 403     401     403
            DELETE /storage/v1/datasets/{dataset}                      | 401  403 403 403 403 403 204 403 403 403  403  204  204  403  404   403 401 403     401     403
            GET /storage/v1/datasets/{dataset}/shares                  | 401  403 403 403 403 403 200 403 403 403  403  200  200  403  404   403 401 403     401     403
            POST /storage/v1/datasets/{dataset}/shares                 | 401  403 403 403 403 403 201 403 403 403  403  403  201  403  404   403 401 403     401     403
            DELETE /storage/v1/datasets/{dataset}/shares/{tenant}      | 401  403 403 403 403 403 204 403 403 403  403  204  204  403  404   403 401 403     401     403
            POST /storage/v1/datasets/{dataset}/points                 | 401  403 204 204 403 403 204 403 204 403  403  403  204  403  404   403 401 403     401/204 403
            POST /api/v2/write                                         | 401  403 204 204 403 403 204 403 204 403  403  403  204  403  404   403 401 403     401/204 403
            POST /write                                                | 401  403 204 204 403 403 204 403 204 403  403  403  204  403  404   403 401 403     401/204 403
            POST /api/v2/delete                                        | 401  403 204 204 403 403 204 403 204 403  403  403  204  403  404   403 401 403     401     403
            GET /api/v2/buckets                                        | 401  200 200 200 200 200 200 200 200 200  200  200  200  200  200   200 401 200     401     200
            GET /api/v2/orgs                                           | 401  200 200 200 200 200 200 200 200 200  200  200  200  200  200   200 401 200     401     200
            GET /storage/v1/datasets/{dataset}/query                   | 401  200 200 403 403 403 200 200 403 403  403  403  200  403  404   403 401 403/200 401     403
            GET /query                                                 | 401  200 200 403 403 403 200 200 403 403  403  403  200  403  404   403 401 403/200 401     403
            POST /query                                                | 401  200 200 403 403 403 200 200 403 403  403  403  200  403  404   403 401 403/200 401     403
            GET /storage/v1/datasets/{dataset}/series                  | 401  200 200 403 403 403 200 200 403 403  403  403  200  403  404   403 401 403/200 401     403
            GET /storage/v1/shared/{owner}/datasets/{dataset}/query    | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  404   403 401 403     401     200
            GET /storage/v1/shared/{owner}/datasets/{dataset}/series   | 401  403 403 403 403 403 403 403 403 403  403  403  403  403  404   403 401 403     401     200
            POST /storage-internal/v1/datasets/{dataset}/refresh-state | 401  403 403 201 403 403 201 403 403 201  403  403  201  403  404   403 401 403     401     403
            GET /storage/v1/datasets/{dataset}/refresh-state           | 401  200 200 200 403 403 200 200 403 403  403  403  200  403  404   403 401 403     401     403
            GET /storage/v1/datasets/{dataset}/refresh-runs            | 401  200 200 200 403 403 200 200 403 403  403  403  200  403  404   403 401 403     401     403
            GET /api/audit/v1alpha1/events                             | 401  403 403 403 200 200 200 403 403 403  200  403  200  403  200   200 200 403     401     403
            GET /api/audit/v1alpha1/events/{event_id}                  | 401  403 403 403 200 200 200 403 403 403  200  403  200  403  404   200 404 403     401     403
            GET /api/audit/v1alpha1/checkpoints                        | 401  403 403 403 200 200 200 403 403 403  200  403  200  403  200   200 200 403     401     403
            GET /api/audit/v1alpha1/verify                             | 401  403 403 403 200 200 200 403 403 403  200  403  200  403  200   200 200 403     401     403
            GET /api/audit/v1alpha1/events/{event_id}/leaf             | 401  403 403 403 200 403 200 403 403 403  200  403  403  403  404   200 404 403     401     403
            GET /api/audit/v1alpha1/events/{event_id}/receipt          | 401  403 403 403 200 200 200 403 403 403  200  403  200  403  404   200 404 403     401     403
            GET /api/audit/v1alpha1/log/checkpoint                     | 401  403 403 403 200 200 200 403 403 403  200  403  200  403  200   200 200 403     401     403
            GET /api/audit/v1alpha1/log/keys                           | 401  403 403 403 200 200 200 403 403 403  200  403  200  403  200   200 200 403     401     403
            GET /api/audit/v1alpha1/log/inclusion                      | 401  403 403 403 200 200 200 403 403 403  200  403  200  403  404   200 404 403     401     403
            GET /api/audit/v1alpha1/log/consistency                    | 401  403 403 403 200 200 200 403 403 403  200  403  200  403  200   200 200 403     401     403
            GET /admin/v1/whoami                                       | 401  200 200 200 200 200 200 200 200 200  200  200  200  200  200   200 200 200     401     200
            POST /console/v1/dev-sign-in                               | 200  200 200 200 200 200 200 200 200 200  200  200  200  200  200   200 200 200     200     200
            """;

    @RegisterExtension
    static final TimestoreServer strict = TimestoreServer.create()
            .with(s -> s.withAudit(s.audit().withCheckpoints(1, java.time.Duration.ofHours(1))));
    @RegisterExtension
    static final TimestoreServer legacy = TimestoreServer.create()
            .with(s -> s.withAudit(s.audit().withCheckpoints(1, java.time.Duration.ofHours(1))))
            .with(s -> s.withAuth(s.auth().withAuthorization(AuthorizationSettings.legacyDefaults(true))));

    @BeforeAll
    static void setUp() {
        for (var server : List.of(strict, legacy)) {
            server.tenant("acme").tenant("globex").tenant("target");
        }
    }

    /** A parsed row: the route and, per caller column, the expected status in strict and legacy mode. */
    record Row(String route, Map<String, int[]> expected) {}

    static List<Row> rows() {
        var lines = MATRIX.strip().lines().toList();
        var columns = Arrays.stream(lines.getFirst().split("\\|")[1].trim().split("\\s+")).toList();
        var rows = new ArrayList<Row>();
        for (var line : lines.subList(1, lines.size())) {
            var parts = line.split("\\|");
            var cells = parts[1].trim().split("\\s+");
            assertThat(cells).as("cells of %s", parts[0].trim()).hasSameSizeAs(columns);
            var expected = new LinkedHashMap<String, int[]>();
            for (int i = 0; i < cells.length; i++) {
                var modes = cells[i].split("/");
                int strictStatus = Integer.parseInt(modes[0]);
                expected.put(columns.get(i), new int[] {strictStatus, modes.length > 1 ? Integer.parseInt(modes[1]) : strictStatus});
            }
            rows.add(new Row(parts[0].trim(), expected));
        }
        return rows;
    }

    @Test
    void every_registered_api_route_is_in_the_matrix_and_nothing_else_is() {
        var registered = new TreeSet<String>();
        strict.timestore().routes().stream().filter(r -> !r.operational()).forEach(r -> registered.add(r.method() + " " + r.path()));
        var listed = new TreeSet<String>();
        rows().forEach(row -> listed.add(row.route()));

        assertThat(listed).containsExactlyElementsOf(registered);
        assertThat(new TreeSet<>(MatrixCalls.CALLS.keySet())).containsExactlyElementsOf(registered);
    }

    @Test
    void strict_mode_answers_every_cell_as_the_matrix_says() {
        assertThat(run(strict, 0)).isEmpty();
    }

    @Test
    void legacy_mode_answers_every_cell_as_the_matrix_says() {
        assertThat(run(legacy, 1)).isEmpty();
    }

    /** Runs the whole table on {@code server}; the cells that differ, all of them, for one readable failure. */
    private static List<String> run(TimestoreServer server, int mode) {
        var fixture = new MatrixFixture(server);
        var mismatches = new ArrayList<String>();
        for (var row : rows()) {
            Function<MatrixFixture, MatrixCalls.Call> factory = MatrixCalls.CALLS.get(row.route());
            for (var cell : row.expected().entrySet()) {
                var call = factory.apply(fixture);
                var headers = new ArrayList<>(List.of(fixture.caller(cell.getKey(), call)));
                if (call.body() != null) {
                    headers.addAll(List.of("Content-Type", call.contentType()));
                }
                headers.addAll(call.headers());
                var body = call.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(call.body());
                var response = server.api().send(server.api().request(call.path(), headers.toArray(String[]::new))
                        .method(call.method(), body).build());
                int want = cell.getValue()[mode];
                if (response.statusCode() != want) {
                    mismatches.add("%s as %s: expected %d, got %d %s".formatted(row.route(), cell.getKey(), want,
                            response.statusCode(), response.body().length() > 300 ? response.body().substring(0, 300) : response.body()));
                }
            }
        }
        return mismatches;
    }
}
