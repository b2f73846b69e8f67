package io.timestore.server.datasets;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.influxdb.client.FindOptions;
import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.domain.Bucket;
import com.influxdb.client.domain.BucketRetentionRules;
import com.influxdb.client.domain.Organization;
import com.influxdb.exceptions.NotFoundException;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * InfluxDB v2's {@code GET /api/v2/buckets} and {@code GET /api/v2/orgs} as influxdb-client-java
 * 7.5.0's {@code BucketsApi} and {@code OrganizationsApi} read them, over real HTTP: the buckets
 * are the datasets the caller may read, the one organization its tenant.
 */
class InfluxBucketsTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex").tenant("initech");
        audit = new AuditLog(server);
        for (var dataset : new String[] {"alpha", "beta", "gamma"}) {
            create("acme", dataset, dataset.equals("alpha") ? ", \"retention_days\": 7, \"description\": \"first\"" : "");
        }
        create("globex", "omega", "");
    }

    static void create(String tenant, String id, String more) {
        var response = server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"%s}".formatted(id, more),
                bearer(server.tokens().user(tenant, "tenant-admin")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    /** An API token of acme that may read alpha and beta only. */
    static String alphaAndBetaReader() {
        return apiToken("acme", ", \"datasets\": [\"alpha\", \"beta\"]");
    }

    /**
     * An API token (InfluxDB clients send {@code Authorization: Token}, which takes API tokens)
     * that may read the tenant's datasets named in {@code datasets}, or all of them.
     */
    static String apiToken(String tenant, String datasets) {
        return server.api().postJson("/admin/v1/tokens", """
                {"name": "buckets", "permissions": [{"action": "dataset:read"%s}]}
                """.formatted(datasets), bearer(server.tokens().user(tenant, "tenant-admin"))).json().get("token").asText();
    }

    static InfluxDBClient client(String token) {
        return InfluxDBClientFactory.create(server.api().base().toString(), token.toCharArray(), "acme");
    }

    @Test
    void find_buckets_lists_only_the_datasets_the_caller_may_read_in_influxdbs_shape() {
        try (var client = client(alphaAndBetaReader())) {
            var buckets = client.getBucketsApi().findBuckets();

            assertThat(buckets).extracting(Bucket::getName).containsExactly("alpha", "beta");
            var alpha = buckets.getFirst();
            assertThat(alpha.getId()).isEqualTo("alpha");
            assertThat(alpha.getOrgID()).isEqualTo("acme");
            assertThat(alpha.getType()).isEqualTo(Bucket.TypeEnum.USER);
            assertThat(alpha.getDescription()).isEqualTo("first");
            assertThat(alpha.getCreatedAt()).isNotNull();
            assertThat(alpha.getRetentionRules()).singleElement().satisfies(rule -> {
                assertThat(rule.getType()).isEqualTo(BucketRetentionRules.TypeEnum.EXPIRE);
                assertThat(rule.getEverySeconds()).isEqualTo(7 * 86_400L);
            });
            assertThat(buckets.get(1).getRetentionRules()).isEmpty();
        }
    }

    @Test
    void the_client_finds_a_bucket_by_name_only_when_the_caller_may_read_it() {
        try (var client = client(alphaAndBetaReader())) {
            assertThat(client.getBucketsApi().findBucketByName("beta")).extracting(Bucket::getName).isEqualTo("beta");
            assertThat(client.getBucketsApi().findBucketByName("gamma")).isNull();
            assertThat(client.getBucketsApi().findBucketByName("omega")).isNull();
        }
    }

    @Test
    void offset_and_limit_page_through_the_readable_buckets_with_a_next_link() {
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        try (var client = client(apiToken("acme", ""))) {
            var options = new FindOptions();
            options.setOffset(1);
            options.setLimit(1);
            assertThat(client.getBucketsApi().findBuckets(options).getBuckets()).extracting(Bucket::getName).containsExactly("beta");
        }
        var first = server.api().get("/api/v2/buckets?limit=2", admin).json();
        assertThat(first.get("buckets").findValuesAsText("name")).containsExactly("alpha", "beta");
        assertThat(first.at("/links/next").asText()).contains("offset=2");
        var last = server.api().get("/api/v2/buckets?limit=2&offset=2", admin).json();
        assertThat(last.get("buckets").findValuesAsText("name")).containsExactly("gamma");
        assertThat(last.at("/links/next").isMissingNode()).isTrue();
        assertThat(server.api().get("/api/v2/buckets?after=alpha", admin).json().get("buckets").findValuesAsText("name"))
                .containsExactly("beta", "gamma");
        assertThat(server.api().get("/api/v2/buckets?id=gamma&orgID=acme", admin).json().get("buckets").findValuesAsText("name"))
                .containsExactly("gamma");
    }

    @Test
    void another_tenants_organization_is_not_found_and_bad_parameters_are_400_in_the_influxdb_error_shape() {
        try (var client = client(apiToken("acme", ""))) {
            assertThatThrownBy(() -> client.getBucketsApi().findBucketsByOrgName("globex"))
                    .isInstanceOf(NotFoundException.class).hasMessageContaining("organization name \"globex\" not found");
        }
        var reader = bearer(server.tokens().user("acme", "reader"));
        for (var path : new String[] {"/api/v2/buckets?limit=0", "/api/v2/buckets?limit=101", "/api/v2/buckets?offset=-1",
            "/api/v2/buckets?colour=red", "/api/v2/orgs?limit=x"}) {
            var response = server.api().get(path, reader);
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().get("message").asText()).as(path).isEqualTo(response.json().get("detail").asText());
            assertThat(response.header("X-Influxdb-Error")).as(path).isEqualTo(response.json().get("detail").asText());
        }
    }

    @Test
    void find_organizations_gives_the_callers_tenant_alone() {
        try (var client = client(apiToken("initech", ""))) {
            var orgs = client.getOrganizationsApi().findOrganizations();

            assertThat(orgs).singleElement().satisfies(org -> {
                assertThat(org.getId()).isEqualTo("initech");
                assertThat(org.getName()).isEqualTo("initech");
                assertThat(org.getStatus()).isEqualTo(Organization.StatusEnum.ACTIVE);
            });
        }
        var reader = bearer(server.tokens().user("initech", "reader"));
        assertThat(server.api().get("/api/v2/orgs?org=initech", reader).json().get("orgs").findValuesAsText("id"))
                .containsExactly("initech");
        assertThat(server.api().get("/api/v2/orgs?orgID=acme", reader).statusCode()).isEqualTo(404);
    }

    @Test
    void each_listing_is_audited_once_as_a_read_and_needs_credentials() {
        var reader = bearer(server.tokens().user("acme", "reader"));
        var buckets = server.api().get("/api/v2/buckets", reader);
        var orgs = server.api().get("/api/v2/orgs", reader);
        var anonymous = server.api().get("/api/v2/buckets");

        assertThat(buckets.statusCode()).isEqualTo(200);
        assertThat(audit.eventsFor(buckets.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/tenant_id").asText()).isEqualTo("acme");
            assertThat(event.at("/operation/action").asText()).isEqualTo("dataset:read");
            assertThat(event.at("/outcome/status").asInt()).isEqualTo(200);
            assertThat(event.at("/details/returned").asInt()).isEqualTo(3);
        });
        assertThat(audit.eventsFor(orgs.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/operation/resource_type").asText()).isEqualTo("tenant"));
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.header("X-Influxdb-Error")).isNotBlank();
        assertThat(audit.eventsFor(anonymous.requestId())).hasSize(1);
    }
}
