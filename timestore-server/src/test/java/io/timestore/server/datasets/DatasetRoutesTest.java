package io.timestore.server.datasets;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Datasets over real HTTP (issue 4): metadata, revisions, If-Match, isolation and authorization. */
class DatasetRoutesTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex");
        audit = new AuditLog(server);
    }

    static String[] admin(String tenant) {
        return bearer(server.tokens().user(tenant, "tenant-admin"));
    }

    static String[] reader(String tenant) {
        return bearer(server.tokens().user(tenant, "reader"));
    }

    static ApiResponse create(String tenant, String body) {
        return server.api().postJson("/storage/v1/datasets", body, admin(tenant));
    }

    static ApiResponse patch(String path, String body, String... headers) {
        var request = server.api().request(path, headers).header("Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build();
        return server.api().send(request);
    }

    @Test
    void an_admin_creates_a_dataset_at_revision_1_and_its_audit_event_records_the_revision() {
        var response = create("acme", """
                {"id": "cpu", "description": "CPU usage", "labels": {"team": "infra"}, "retention_days": 30,
                 "access": {"read": {"roles": ["reader", "finance"]}}}
                """);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(response.header("ETag")).isEqualTo("\"1\"");
        var body = response.json();
        assertThat(body.get("revision").asLong()).isEqualTo(1);
        assertThat(body.at("/labels/team").asText()).isEqualTo("infra");
        assertThat(body.at("/access/read/roles/1").asText()).isEqualTo("finance");
        assertThat(body.get("retention_days").asInt()).isEqualTo(30);
        assertThat(body.get("created_by").asText()).contains("tenant-admin");
        assertThat(audit.eventsFor(response.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/revision/after").asText()).isEqualTo("1");
            assertThat(event.at("/operation/dataset_id").asText()).isEqualTo("cpu");
        });
    }

    @Test
    void a_second_dataset_with_the_same_id_is_409_but_another_tenant_may_use_the_name() {
        assertThat(create("acme", "{\"id\": \"dup\"}").statusCode()).isEqualTo(201);

        var again = create("acme", "{\"id\": \"dup\"}");
        var elsewhere = create("globex", "{\"id\": \"dup\"}");

        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.json().get("code").asText()).isEqualTo("conflict");
        assertThat(elsewhere.statusCode()).isEqualTo(201);
    }

    @Test
    void invalid_metadata_is_400_with_pointers_and_creates_nothing() {
        var response = create("acme", """
                {"id": "Bad Name", "labels": {"k": 5}, "retention_days": 0, "access": {"read": {"roles": []}}, "color": "red"}
                """);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.json().get("code").asText()).isEqualTo("invalid_request");
        assertThat(response.json().get("errors").findValuesAsText("pointer"))
                .contains("/id", "/labels/k", "/retention_days", "/access/read", "/color");
        assertThat(server.api().get("/storage/v1/datasets", admin("acme")).body()).doesNotContain("Bad Name");
    }

    @Test
    void another_tenants_dataset_and_a_missing_one_give_the_same_404() {
        create("globex", "{\"id\": \"private\"}");

        var foreign = server.api().get("/storage/v1/datasets/private", admin("acme"));
        var missing = server.api().get("/storage/v1/datasets/nothing-here", admin("acme"));

        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(foreign.json().get("code").asText()).isEqualTo(missing.json().get("code").asText()).isEqualTo("not_found");
        assertThat(foreign.json().get("detail").asText().replace("private", "X"))
                .isEqualTo(missing.json().get("detail").asText().replace("nothing-here", "X"));
    }

    @Test
    void patch_needs_if_match_refuses_a_stale_revision_and_merges_the_rest() {
        create("acme", "{\"id\": \"patched\", \"labels\": {\"a\": \"1\", \"b\": \"2\"}}");
        var path = "/storage/v1/datasets/patched";

        var without = patch(path, "{\"description\": \"x\"}", admin("acme"));
        var ok = patch(path, "{\"description\": \"now\", \"labels\": {\"a\": null, \"c\": \"3\"}}",
                TimestoreServerHeaders.with(admin("acme"), "If-Match", "\"1\""));
        var stale = patch(path, "{\"description\": \"late\"}", TimestoreServerHeaders.with(admin("acme"), "If-Match", "1"));

        assertThat(without.statusCode()).isEqualTo(428);
        assertThat(without.json().get("code").asText()).isEqualTo("precondition_required");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().get("revision").asLong()).isEqualTo(2);
        assertThat(ok.json().get("labels").toString()).isEqualTo("{\"b\":\"2\",\"c\":\"3\"}");
        assertThat(ok.header("ETag")).isEqualTo("\"2\"");
        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(stale.json().get("code").asText()).isEqualTo("precondition_failed");
        assertThat(server.api().get(path, admin("acme")).json().get("description").asText()).isEqualTo("now");
        assertThat(audit.eventsFor(ok.requestId())).singleElement().satisfies(event -> {
            assertThat(event.at("/revision/before").asText()).isEqualTo("1");
            assertThat(event.at("/revision/after").asText()).isEqualTo("2");
        });
    }

    @Test
    void a_reader_can_get_but_not_create_change_or_delete_and_is_told_the_missing_role() {
        create("acme", "{\"id\": \"readable\"}");

        var get = server.api().get("/storage/v1/datasets/readable", reader("acme"));
        var createByReader = server.api().postJson("/storage/v1/datasets", "{\"id\": \"mine\"}", reader("acme"));
        var patchByReader = patch("/storage/v1/datasets/readable", "{}", TimestoreServerHeaders.with(reader("acme"), "If-Match", "1"));
        var deleteByReader = server.api().method("DELETE", "/storage/v1/datasets/readable", reader("acme"));

        assertThat(get.statusCode()).isEqualTo(200);
        for (var refused : new ApiResponse[] {createByReader, patchByReader, deleteByReader}) {
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.json().get("code").asText()).isEqualTo("forbidden");
            assertThat(refused.json().has("missing_role")).isTrue();
            assertThat(audit.eventsFor(refused.requestId())).hasSize(1);
        }
    }

    @Test
    void a_listing_shows_only_datasets_the_caller_may_read() {
        create("acme", "{\"id\": \"open-list\"}");
        create("acme", "{\"id\": \"secret-list\", \"access\": {\"read\": {\"roles\": [\"finance\"]}}}");

        var asReader = server.api().get("/storage/v1/datasets?limit=1000", reader("acme"));
        var asFinance = server.api().get("/storage/v1/datasets?limit=1000", bearer(server.tokens().user("acme", "finance")));

        assertThat(asReader.statusCode()).isEqualTo(200);
        assertThat(asReader.json().get("items").findValuesAsText("id")).contains("open-list").doesNotContain("secret-list");
        assertThat(asFinance.json().get("items").findValuesAsText("id")).contains("secret-list").doesNotContain("open-list");
        assertThat(audit.eventsFor(asReader.requestId())).hasSize(1);
    }

    @Test
    void listing_pages_and_their_cursors_are_made_of_readable_datasets_only() {
        server.tenant("umbrella");
        for (var id : new String[] {"a-open", "b-secret", "c-secret", "d-open"}) {
            create("umbrella", id.endsWith("secret")
                    ? "{\"id\": \"%s\", \"access\": {\"read\": {\"roles\": [\"finance\"]}}}".formatted(id)
                    : "{\"id\": \"%s\"}".formatted(id));
        }

        var pages = new ArrayList<List<String>>();
        var cursors = new ArrayList<String>();
        var page = server.api().get("/storage/v1/datasets?limit=1", reader("umbrella"));
        while (true) {
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            pages.add(page.json().get("items").findValuesAsText("id"));
            if (!page.json().has("next_cursor")) {
                break;
            }
            cursors.add(page.json().get("next_cursor").asText());
            page = server.api().get("/storage/v1/datasets?limit=1&cursor=" + cursors.getLast(), reader("umbrella"));
        }

        assertThat(pages).containsExactly(List.of("a-open"), List.of("d-open"));
        // A cursor's position is authenticated, not encrypted: it names a shown dataset, never a hidden one.
        assertThat(cursors).singleElement().satisfies(cursor -> assertThat(
                new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.ISO_8859_1))
                .contains("a-open").doesNotContain("secret"));
    }

    @Test
    void listing_pages_with_a_cursor() {
        for (var id : new String[] {"page-a", "page-b", "page-c"}) {
            create("globex", "{\"id\": \"%s\"}".formatted(id));
        }
        var first = server.api().get("/storage/v1/datasets?limit=2", admin("globex"));
        var second = server.api().get("/storage/v1/datasets?limit=2&cursor=" + first.json().get("next_cursor").asText(),
                admin("globex"));

        assertThat(first.json().get("items")).hasSize(2);
        assertThat(second.json().get("items").findValuesAsText("id")).doesNotContainAnyElementsOf(
                first.json().get("items").findValuesAsText("id"));
    }

    @Test
    void deleting_a_dataset_removes_it_and_is_audited_once() {
        create("acme", "{\"id\": \"doomed\"}");

        var deleted = server.api().method("DELETE", "/storage/v1/datasets/doomed", admin("acme"));

        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(server.api().get("/storage/v1/datasets/doomed", admin("acme")).statusCode()).isEqualTo(404);
        assertThat(audit.eventsFor(deleted.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/revision/before").asText()).isEqualTo("1"));
    }

    /** Header arrays with one more pair. */
    static final class TimestoreServerHeaders {
        static String[] with(String[] headers, String name, String value) {
            var all = java.util.Arrays.copyOf(headers, headers.length + 2);
            all[headers.length] = name;
            all[headers.length + 1] = value;
            return all;
        }
    }
}
