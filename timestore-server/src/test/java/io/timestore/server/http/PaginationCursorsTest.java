package io.timestore.server.http;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.TimestoreServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every listing of the API pages with the same cursor (issue 15, item 12): opaque (no class names,
 * tenants or filter text inside), versioned, authenticated, and refused with 400
 * {@code invalid_cursor} when altered or replayed against another listing, tenant or query.
 */
class PaginationCursorsTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create()
            .with(s -> s.withAudit(s.audit().withCheckpoints(1, Duration.ofHours(1))));

    /** Path of the first page of a listing with limit 1 -> who reads it. */
    private static final Map<String, String[]> LISTINGS = new LinkedHashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        server.tenant("acme").tenant("globex").tenant("initech");
        var admin = admin("acme");
        for (var id : new String[] {"cpu", "mem"}) {
            created(server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(id), admin));
        }
        for (int i = 0; i < 2; i++) {
            created(server.api().postJson("/admin/v1/tokens",
                    "{\"name\": \"t%d\", \"permissions\": [{\"action\": \"dataset:read\", \"datasets\": [\"cpu\"]}]}".formatted(i), admin));
            created(server.api().postJson("/admin/v1/signing-keys", "{\"name\": \"k%d\", \"roles\": [\"tenant-admin\"]}".formatted(i), admin));
            created(server.api().postJson("/storage-internal/v1/datasets/cpu/refresh-state",
                    "{\"run_id\": \"run-%d\", \"state\": \"pending\"}".formatted(i), bearer(server.tokens().scoped("acme", "storage.write.refresh"))));
        }
        var written = server.api().postJson("/storage/v1/datasets/cpu/points", """
                {"points": [
                  {"measurement": "cpu", "tags": {"host": "h1"}, "fields": {"usage": 1.0}, "time": 1},
                  {"measurement": "cpu", "tags": {"host": "h2"}, "fields": {"usage": 2.0}, "time": 2},
                  {"measurement": "cpu", "tags": {"host": "h3"}, "fields": {"usage": 3.0}, "time": 3}
                ]}
                """, bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);
        // A second checkpoint of acme: one checkpoint per sealed batch.
        assertThat(server.api().get("/admin/v1/tokens", admin).statusCode()).isEqualTo(200);
        server.timestore().sequencer().sealNow().get(30, TimeUnit.SECONDS);

        LISTINGS.put("/storage/v1/datasets?limit=1", admin);
        LISTINGS.put("/admin/v1/tokens?limit=1", admin);
        LISTINGS.put("/admin/v1/signing-keys?limit=1", admin);
        LISTINGS.put("/admin/v1/tenants?limit=1", bearer(server.tokens().platformOperator()));
        LISTINGS.put("/api/audit/v1alpha1/events?limit=1&component=tokens&action=token:manage", auditor("acme"));
        LISTINGS.put("/storage/v1/datasets/cpu/refresh-runs?limit=1", bearer(server.tokens().scoped("acme", "storage.read.refresh")));
        LISTINGS.put("/storage/v1/datasets/cpu/series?limit=1&field=usage", admin);
        LISTINGS.put("/storage/v1/datasets/cpu/query?limit=1&field=usage&start=0&end=100", admin);
        LISTINGS.put("/api/audit/v1alpha1/checkpoints?limit=1", auditor("acme"));
    }

    private static String[] admin(String tenant) {
        return bearer(server.tokens().user(tenant, "tenant-admin"));
    }

    private static String[] auditor(String tenant) {
        return bearer(server.tokens().user(tenant, "auditor"));
    }

    private static void created(ApiResponse response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private static String nextCursor(String path, String[] caller) {
        var page = server.api().get(path, caller);
        assertThat(page.statusCode()).as(path + ": " + page.body()).isEqualTo(200);
        assertThat(page.json().has("next_cursor")).as(path + " has a next page").isTrue();
        return page.json().get("next_cursor").asText();
    }

    private static void assertInvalidCursor(ApiResponse response, String reason) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.contentType()).isEqualTo("application/problem+json");
        assertThat(response.json().get("code").asText()).isEqualTo("invalid_cursor");
        assertThat(response.json().at("/errors/0/pointer").asText()).isEqualTo("/cursor");
        assertThat(response.json().get("detail").asText()).contains(reason);
    }

    private static String altered(String cursor) {
        var bytes = Base64.getUrlDecoder().decode(cursor);
        bytes[bytes.length / 2] ^= 1;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Test
    void every_listing_issues_a_versioned_cursor_that_shows_no_class_name_tenant_or_filter() {
        LISTINGS.forEach((path, caller) -> {
            var decoded = Base64.getUrlDecoder().decode(nextCursor(path, caller));
            var text = new String(decoded, StandardCharsets.ISO_8859_1);

            assertThat(decoded[0]).as(path).isEqualTo((byte) 1);
            // Strings of several characters only: digests and tags are random bytes, any one byte may occur.
            assertThat(text).as(path).doesNotContain("EventFilter", "Optional", "SeriesFilter", "token:manage",
                    "component", "usage", "limit", "from=");
            if (!path.startsWith("/admin/v1/tenants")) {
                // The tenant listing's position is a tenant id; every other cursor carries no tenant.
                assertThat(text).as(path).doesNotContain("acme");
            }
        });
    }

    @Test
    void every_listing_follows_its_own_cursor_and_refuses_it_altered() {
        LISTINGS.forEach((path, caller) -> {
            var cursor = nextCursor(path, caller);

            var next = server.api().get(path + "&cursor=" + cursor, caller);
            var tampered = server.api().get(path + "&cursor=" + altered(cursor), caller);

            assertThat(next.statusCode()).as(path + ": " + next.body()).isEqualTo(200);
            assertInvalidCursor(tampered, "altered");
        });
    }

    @Test
    void a_cursor_of_one_listing_is_refused_by_every_other() {
        var cursors = new LinkedHashMap<String, String>();
        LISTINGS.forEach((path, caller) -> cursors.put(path, nextCursor(path, caller)));

        LISTINGS.forEach((path, caller) -> cursors.forEach((issuer, cursor) -> {
            if (!issuer.equals(path)) {
                var response = server.api().get(path + "&cursor=" + cursor, caller);
                assertInvalidCursor(response, "was issued by the listing of");
            }
        }));
    }

    @Test
    void a_cursor_of_one_tenant_is_refused_in_another() {
        var datasets = nextCursor("/storage/v1/datasets?limit=1", admin("acme"));
        var tokens = nextCursor("/admin/v1/tokens?limit=1", admin("acme"));
        var events = nextCursor("/api/audit/v1alpha1/events?limit=1&component=tokens", auditor("acme"));

        assertInvalidCursor(server.api().get("/storage/v1/datasets?limit=1&cursor=" + datasets, admin("globex")), "another tenant");
        assertInvalidCursor(server.api().get("/admin/v1/tokens?limit=1&cursor=" + tokens, admin("globex")), "another tenant");
        assertInvalidCursor(server.api().get("/api/audit/v1alpha1/events?limit=1&component=tokens&cursor=" + events,
                auditor("globex")), "another tenant");
    }

    @Test
    void a_cursor_replayed_with_other_filters_is_refused() {
        var events = nextCursor("/api/audit/v1alpha1/events?limit=1&component=tokens", auditor("acme"));
        var series = nextCursor("/storage/v1/datasets/cpu/series?limit=1&field=usage", admin("acme"));
        var points = nextCursor("/storage/v1/datasets/cpu/query?limit=1&start=0&end=100", admin("acme"));
        var runs = nextCursor("/storage/v1/datasets/cpu/refresh-runs?limit=1", bearer(server.tokens().scoped("acme", "storage.read.refresh")));

        assertInvalidCursor(server.api().get("/api/audit/v1alpha1/events?limit=1&component=datasets&cursor=" + events,
                auditor("acme")), "other query parameters");
        assertInvalidCursor(server.api().get("/api/audit/v1alpha1/events?limit=1&cursor=" + events, auditor("acme")),
                "other query parameters");
        assertInvalidCursor(server.api().get("/storage/v1/datasets/cpu/series?limit=1&field=other&cursor=" + series,
                admin("acme")), "other query parameters");
        assertInvalidCursor(server.api().get("/storage/v1/datasets/cpu/query?limit=1&start=0&end=99&cursor=" + points,
                admin("acme")), "other query parameters");
        assertInvalidCursor(server.api().get("/storage/v1/datasets/mem/refresh-runs?limit=1&cursor=" + runs,
                bearer(server.tokens().scoped("acme", "storage.read.refresh"))), "other query parameters");
    }

    @Test
    void a_cursor_of_an_unknown_format_version_is_refused_naming_the_version() {
        var bytes = Base64.getUrlDecoder().decode(nextCursor("/storage/v1/datasets?limit=1", admin("acme")));
        bytes[0] = 7;
        var future = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);

        assertInvalidCursor(server.api().get("/storage/v1/datasets?limit=1&cursor=" + future, admin("acme")),
                "format version 7 is not supported");
    }

    @Test
    void raw_points_of_a_dataset_with_retention_page_to_the_end() {
        created(server.api().postJson("/storage/v1/datasets", "{\"id\": \"kept\", \"retention_days\": 7}", admin("acme")));
        long now = Instant.now().getEpochSecond() * 1_000_000_000L;
        var points = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
            points.add("{\"measurement\": \"m\", \"fields\": {\"v\": %d}, \"time\": %d}".formatted(i, now - 3_600_000_000_000L + i));
        }
        var written = server.api().postJson("/storage/v1/datasets/kept/points", "{\"points\": [" + String.join(",", points) + "]}",
                bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);

        // Without start, the range begins at the retention horizon, which moves with the clock.
        var cursor = nextCursor("/storage/v1/datasets/kept/query?limit=2", admin("acme"));
        var last = server.api().get("/storage/v1/datasets/kept/query?limit=2&cursor=" + cursor, admin("acme"));

        assertThat(last.statusCode()).as(last.body()).isEqualTo(200);
        assertThat(last.json().at("/series/0/points")).hasSize(1);
        assertThat(last.json().has("next_cursor")).isFalse();
    }

    @Test
    void audit_checkpoints_page_newest_first_each_once() {
        var seen = new ArrayList<String>();
        var seqs = new ArrayList<Long>();
        String cursor = null;
        do {
            var page = server.api().get("/api/audit/v1alpha1/checkpoints?limit=1" + (cursor == null ? "" : "&cursor=" + cursor),
                    auditor("acme"));
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            page.json().get("items").forEach(item -> {
                assertThat(item.get("tenant_id").asText()).isEqualTo("acme");
                seen.add(item.get("seq").asText() + "/" + item.get("key_id").asText() + "/" + item.get("kind").asText());
                seqs.add(item.get("seq").asLong());
            });
            cursor = page.json().has("next_cursor") ? page.json().get("next_cursor").asText() : null;
        } while (cursor != null);

        assertThat(seen).hasSizeGreaterThanOrEqualTo(2).doesNotHaveDuplicates();
        assertThat(seqs).isSortedAccordingTo(java.util.Comparator.reverseOrder());
    }
}
