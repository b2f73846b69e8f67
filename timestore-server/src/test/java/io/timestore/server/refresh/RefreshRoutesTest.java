package io.timestore.server.refresh;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The refresh registry over real HTTP: transitions, readiness, the run log, authorization, isolation. */
class RefreshRoutesTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();
    private static AuditLog audit;

    @BeforeAll
    static void setUp() {
        server.tenant("acme").tenant("globex");
        audit = new AuditLog(server);
        for (var id : new String[] {"orders", "runs", "guarded", "bad"}) {
            server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(id),
                    bearer(server.tokens().user("acme", "tenant-admin")));
        }
    }

    static ApiResponse report(String dataset, String body) {
        return server.api().postJson("/storage-internal/v1/datasets/%s/refresh-state".formatted(dataset), body,
                bearer(server.tokens().scoped("acme", "storage.write.refresh")));
    }

    static ApiResponse read(String path) {
        return server.api().get(path, bearer(server.tokens().scoped("acme", "storage.read.refresh")));
    }

    @Test
    void a_run_moves_from_pending_to_succeeded_and_the_dataset_reports_its_watermark_and_age() {
        var pending = report("orders", "{\"run_id\": \"r1\", \"state\": \"pending\"}");
        var running = report("orders", "{\"run_id\": \"r1\", \"state\": \"running\", \"details\": {\"rows\": 10}}");
        var succeeded = report("orders", "{\"run_id\": \"r1\", \"state\": \"succeeded\", \"watermark\": \"2024-01-01T00:00:00.000000001Z\"}");

        assertThat(pending.statusCode()).as(pending.body()).isEqualTo(201);
        assertThat(running.statusCode()).isEqualTo(200);
        assertThat(succeeded.statusCode()).isEqualTo(200);
        assertThat(succeeded.json().get("watermark").asText()).isEqualTo("2024-01-01T00:00:00.000000001Z");
        var state = read("/storage/v1/datasets/orders/refresh-state");
        assertThat(state.statusCode()).isEqualTo(200);
        assertThat(state.json().get("state").asText()).isEqualTo("succeeded");
        assertThat(state.json().get("watermark").asText()).isEqualTo("2024-01-01T00:00:00.000000001Z");
        assertThat(state.json().get("freshness_age_seconds").asLong()).isGreaterThan(0);
        assertThat(audit.eventsFor(succeeded.requestId())).singleElement()
                .satisfies(event -> assertThat(event.at("/details/previous_state").asText()).isEqualTo("running"));
    }

    @Test
    void a_finished_run_cannot_run_again_409_but_an_identical_repeat_is_accepted() {
        report("orders", "{\"run_id\": \"r2\", \"state\": \"running\"}");
        report("orders", "{\"run_id\": \"r2\", \"state\": \"failed\", \"details\": {\"error\": \"boom\"}}");

        var rerun = report("orders", "{\"run_id\": \"r2\", \"state\": \"running\"}");
        var repeat = report("orders", "{\"run_id\": \"r2\", \"state\": \"failed\"}");
        var backwards = report("orders", "{\"run_id\": \"r3\", \"state\": \"running\"}");
        var toPending = report("orders", "{\"run_id\": \"r3\", \"state\": \"pending\"}");

        assertThat(rerun.statusCode()).isEqualTo(409);
        assertThat(rerun.json().get("code").asText()).isEqualTo("conflict");
        assertThat(repeat.statusCode()).isEqualTo(200);
        assertThat(backwards.statusCode()).isEqualTo(201);
        assertThat(toPending.statusCode()).isEqualTo(409);
        assertThat(audit.eventsFor(rerun.requestId())).hasSize(1);
    }

    @Test
    void invalid_reports_are_400_with_pointers() {
        var response = report("bad", "{\"run_id\": \"\", \"state\": \"done\", \"watermark\": \"yesterday\", \"extra\": 1}");
        var succeededWithoutWatermark = report("bad", "{\"run_id\": \"r\", \"state\": \"succeeded\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.json().get("errors").findValuesAsText("pointer")).contains("/run_id", "/state", "/watermark", "/extra");
        assertThat(succeededWithoutWatermark.statusCode()).isEqualTo(400);
        assertThat(read("/storage/v1/datasets/bad/refresh-runs").json().get("items")).isEmpty();
    }

    @Test
    void the_run_log_lists_newest_first_in_pages() {
        for (int i = 1; i <= 3; i++) {
            report("runs", "{\"run_id\": \"run-%d\", \"state\": \"pending\"}".formatted(i));
        }

        var first = read("/storage/v1/datasets/runs/refresh-runs?limit=2");
        var second = read("/storage/v1/datasets/runs/refresh-runs?limit=2&cursor=" + first.json().get("next_cursor").asText());

        assertThat(first.json().get("items").findValuesAsText("run_id")).containsExactly("run-3", "run-2");
        assertThat(second.json().get("items").findValuesAsText("run_id")).containsExactly("run-1");
        assertThat(second.json().has("next_cursor")).isFalse();
    }

    @Test
    void a_reader_cannot_report_and_another_tenant_sees_404() {
        var byReader = server.api().postJson("/storage-internal/v1/datasets/guarded/refresh-state",
                "{\"run_id\": \"x\", \"state\": \"pending\"}", bearer(server.tokens().user("acme", "reader")));
        var foreign = server.api().get("/storage/v1/datasets/guarded/refresh-state",
                bearer(server.tokens().scoped("globex", "storage.read.refresh")));
        var foreignWrite = server.api().postJson("/storage-internal/v1/datasets/guarded/refresh-state",
                "{\"run_id\": \"x\", \"state\": \"pending\"}", bearer(server.tokens().scoped("globex", "storage.write.refresh")));

        assertThat(byReader.statusCode()).isEqualTo(403);
        assertThat(byReader.json().get("code").asText()).isEqualTo("forbidden");
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(foreignWrite.statusCode()).isEqualTo(404);
        assertThat(read("/storage/v1/datasets/guarded/refresh-runs").json().get("items")).isEmpty();
        assertThat(audit.eventsFor(byReader.requestId())).hasSize(1);
    }
}
