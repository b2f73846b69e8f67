package io.timestore.server.authz;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.authz.AuthorizationSettings;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression tests for the legacy-mode rules (docs/architecture.md §6) in the three configurations: strict
 * refuses both; legacy admits the global query scope; legacy with unauthenticated ingestion also
 * admits credential-less ingestion naming its tenant. Admitted requests are audited as legacy and
 * counted in timestore_legacy_requests_total{route,rule}.
 */
class LegacyModeTest {
    private static final String POINTS = "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 1}, \"time\": 1}]}";

    @RegisterExtension
    static final TimestoreServer strict = TimestoreServer.create();
    @RegisterExtension
    static final TimestoreServer legacy = TimestoreServer.create()
            .with(s -> s.withAuth(s.auth().withAuthorization(AuthorizationSettings.legacyDefaults(false))));
    @RegisterExtension
    static final TimestoreServer legacyIngest = TimestoreServer.create()
            .with(s -> s.withAuth(s.auth().withAuthorization(AuthorizationSettings.legacyDefaults(true))));

    @BeforeAll
    static void setUp() {
        for (var server : new TimestoreServer[] {strict, legacy, legacyIngest}) {
            server.tenant("acme");
            for (var body : new String[] {"{\"id\": \"cpu\"}",
                    "{\"id\": \"payroll\", \"access\": {\"read\": {\"roles\": [\"finance\"]}, \"write\": {\"roles\": [\"loader\"]}}}"}) {
                var created = server.api().postJson("/storage/v1/datasets", body, bearer(server.tokens().user("acme", "tenant-admin")));
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            }
        }
    }

    private static ApiResponse queryWithGlobalScope(TimestoreServer server, String dataset) {
        return server.api().get("/storage/v1/datasets/%s/query".formatted(dataset), bearer(server.tokens().scoped("acme", "timestore.query")));
    }

    private static ApiResponse anonymousPoints(TimestoreServer server, String dataset, String... headers) {
        return server.api().postJson("/storage/v1/datasets/%s/points".formatted(dataset), POINTS, headers);
    }

    private static ApiResponse anonymousLines(TimestoreServer server, String... headers) {
        return server.api().post("/api/v2/write?org=acme&bucket=cpu", "m v=2i 2", headers);
    }

    private static double legacyCount(TimestoreServer server, String route, String rule) {
        var metrics = server.api().get("/metrics").body();
        var line = Pattern.compile("^timestore_legacy_requests_total\\{(.*)} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        double total = 0;
        while (line.find()) {
            if (line.group(1).contains("route=\"" + route + "\"") && line.group(1).contains("rule=\"" + rule + "\"")) {
                total += Double.parseDouble(line.group(2));
            }
        }
        return total;
    }

    @Test
    void strict_mode_refuses_the_global_query_scope_and_unauthenticated_ingestion() {
        assertThat(queryWithGlobalScope(strict, "cpu").statusCode()).isEqualTo(403);
        assertThat(anonymousPoints(strict, "cpu", "X-Tenant-ID", "acme").statusCode()).isEqualTo(401);
        assertThat(anonymousLines(strict, "X-Tenant-ID", "acme").statusCode()).isEqualTo(401);
        assertThat(strict.api().get("/metrics").body()).doesNotContain("timestore_legacy_requests_total{");
    }

    @Test
    void legacy_mode_admits_the_global_query_scope_whatever_the_dataset_metadata_says_audited_and_counted() {
        double before = legacyCount(legacy, "/storage/v1/datasets/{dataset}/query", "global_query_scope");

        var open = queryWithGlobalScope(legacy, "cpu");
        var restricted = queryWithGlobalScope(legacy, "payroll");
        var series = legacy.api().get("/storage/v1/datasets/cpu/series", bearer(legacy.tokens().scoped("acme", "timestore.query")));

        assertThat(open.statusCode()).as(open.body()).isEqualTo(200);
        assertThat(restricted.statusCode()).as(restricted.body()).isEqualTo(200);
        assertThat(series.statusCode()).isEqualTo(200);
        assertThat(legacyCount(legacy, "/storage/v1/datasets/{dataset}/query", "global_query_scope")).isEqualTo(before + 2);
        assertThat(legacyCount(legacy, "/storage/v1/datasets/{dataset}/series", "global_query_scope")).isGreaterThanOrEqualTo(1);
        assertThat(new AuditLog(legacy).eventsFor(restricted.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/actor/auth_method").asText()).isEqualTo("legacy");
            assertThat(event.at("/actor/id").asText()).isEqualTo("client@acme");
            assertThat(event.at("/details/legacy_rule").asText()).isEqualTo("global_query_scope");
            assertThat(event.at("/outcome/result").asText()).isEqualTo("succeeded");
        });
    }

    @Test
    void a_caller_strict_mode_allows_is_not_counted_or_marked_legacy() {
        var reader = legacy.api().get("/storage/v1/datasets/cpu/query", bearer(legacy.tokens().user("acme", "reader")));

        assertThat(reader.statusCode()).isEqualTo(200);
        assertThat(new AuditLog(legacy).eventsFor(reader.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/actor/auth_method").asText()).isEqualTo("jwt"));
    }

    @Test
    void legacy_mode_without_the_ingestion_switch_refuses_unauthenticated_ingestion() {
        assertThat(anonymousPoints(legacy, "cpu", "X-Tenant-ID", "acme").statusCode()).isEqualTo(401);
        assertThat(anonymousLines(legacy, "X-Tenant-ID", "acme").statusCode()).isEqualTo(401);
    }

    @Test
    void legacy_mode_with_the_ingestion_switch_admits_unauthenticated_ingestion_naming_its_tenant() {
        double before = legacyCount(legacyIngest, "/storage/v1/datasets/{dataset}/points", "unauthenticated_ingest");

        var json = anonymousPoints(legacyIngest, "cpu", "X-Tenant-ID", "acme");
        var lines = anonymousLines(legacyIngest, "X-Tenant-ID", "acme");

        assertThat(json.statusCode()).as(json.body()).isEqualTo(204);
        assertThat(lines.statusCode()).as(lines.body()).isEqualTo(204);
        assertThat(legacyCount(legacyIngest, "/storage/v1/datasets/{dataset}/points", "unauthenticated_ingest")).isEqualTo(before + 1);
        assertThat(legacyCount(legacyIngest, "/api/v2/write", "unauthenticated_ingest")).isGreaterThanOrEqualTo(1);
        for (var response : new ApiResponse[] {json, lines}) {
            assertThat(new AuditLog(legacyIngest).eventsFor(response.requestId())).singleElement().satisfies(event -> {
                assertThat(event.at("/tenant_id").asText()).isEqualTo("acme");
                assertThat(event.at("/actor/auth_method").asText()).isEqualTo("legacy");
                assertThat(event.at("/actor/type").asText()).isEqualTo("anonymous");
                assertThat(event.at("/details/legacy_rule").asText()).isEqualTo("unauthenticated_ingest");
            });
        }
        var read = legacyIngest.api().get("/storage/v1/datasets/cpu/query?epoch=ns", bearer(legacyIngest.tokens().user("acme", "reader")));
        assertThat(read.body()).contains("[1,1]", "[2,2]");
    }

    @Test
    void unauthenticated_ingestion_is_refused_without_a_tenant_with_a_bad_credential_into_a_guarded_dataset_and_elsewhere() {
        assertThat(anonymousPoints(legacyIngest, "cpu").statusCode()).isEqualTo(401);
        assertThat(anonymousPoints(legacyIngest, "cpu", "X-Tenant-ID", "acme", "Authorization", "Bearer nonsense").statusCode())
                .isEqualTo(401);
        assertThat(anonymousPoints(legacyIngest, "payroll", "X-Tenant-ID", "acme").statusCode()).isEqualTo(401);
        assertThat(legacyIngest.api().get("/storage/v1/datasets/cpu/query", "X-Tenant-ID", "acme").statusCode()).isEqualTo(401);
        assertThat(legacyIngest.api().get("/storage/v1/datasets", "X-Tenant-ID", "acme").statusCode()).isEqualTo(401);
    }
}
