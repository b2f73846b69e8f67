package io.timestore.server.console;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Browser;
import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;

/**
 * The console in a real headless Chromium against a running server (docs/console.md): sign in
 * through the development sign-in, read and filter audit events, open one, export, verify, look at
 * a dataset's access and refresh state, chart points written here, create and revoke a token, see
 * the support view's masking, and render an attacker's user agent as text. One browser and one
 * server for the class; every page leaves a screenshot under target/console-screenshots.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    private static final String HOSTILE_AGENT = "<img src=x onerror=\"window.__pwned=1\">";
    private static Browser browser;
    private static String hostileRequestId;

    @BeforeAll
    static void start() throws Exception {
        server.tenant("acme");
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        var created = server.api().postJson("/storage/v1/datasets", """
                {"id": "cpu", "description": "CPU usage", "access": {"read": {"roles": ["reader", "tenant-admin"]},
                 "write": {"roles": ["writer"]}}}""", admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var now = Instant.now();
        var points = new StringBuilder("{\"points\": [");
        for (int i = 0; i < 60; i++) {
            var at = now.minus(Duration.ofMinutes(60 - i));
            points.append(i == 0 ? "" : ",").append("{\"measurement\": \"load\", \"tags\": {\"host\": \"h1\"}, \"time\": \"")
                    .append(at).append("\", \"fields\": {\"value\": ").append(Math.sin(i / 6.0) * 10 + 20).append("}}");
        }
        var written = server.api().postJson("/storage/v1/datasets/cpu/points", points.append("]}").toString(),
                bearer(server.tokens().user("acme", "writer")));
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
        var refresh = server.api().postJson("/storage-internal/v1/datasets/cpu/refresh-state",
                "{\"run_id\": \"nightly-42\", \"state\": \"succeeded\", \"watermark\": \"" + now.minus(Duration.ofMinutes(5)) + "\"}",
                bearer(server.tokens().scoped("acme", "storage.write.refresh")));
        assertThat(refresh.statusCode()).as(refresh.body()).isEqualTo(201);
        // An attacker's user agent, recorded in acme's trail.
        hostileRequestId = "hostile-" + UUID.randomUUID();
        var hostile = server.api().client().send(server.api().request("/storage/v1/datasets/cpu",
                        "Authorization", "Bearer " + server.tokens().user("acme", "reader"), "User-Agent", HOSTILE_AGENT,
                        "X-Request-ID", hostileRequestId).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(hostile.statusCode()).isEqualTo(200);
        server.timestore().sequencer().sealNow().join();
        browser = Browser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    private static String console() {
        return server.timestore().consoleUri().toString();
    }

    /**
     * Goes to a page of the console without reloading it: the session lives in the page's memory
     * only, so a reload signs out (as it should).
     */
    private static void go(String route) {
        browser.script("document.querySelectorAll('section.page').forEach(s => s.dataset.stale = 'yes');"
                + "if (location.hash === arguments[0]) { window.dispatchEvent(new HashChangeEvent('hashchange')); }"
                + " else { location.hash = arguments[0]; }", route);
        browser.until("the page " + route + " replaced the last one", "return document.querySelector('section.page:not([data-stale])') !== null");
    }

    /** A fresh load of the console (signed out), then the development sign-in. */
    private static void signIn(String subject, String roles) {
        browser.open(console());
        browser.type("#dev-subject", subject);
        browser.type("#dev-tenant", "acme");
        browser.type("#dev-roles", roles);
        browser.click("#dev-sign-in button[type=submit]");
        browser.findWithText("#who .subject", subject);
    }

    @Test
    @Order(1)
    void a_developer_signs_in_and_sees_who_they_are_and_the_events_of_their_tenant() {
        browser.open(console());
        browser.find("#dev-sign-in");
        browser.screenshot("sign-in");
        signIn("ada", "tenant-admin,auditor");

        assertThat(browser.find("#who .tenant").getText()).isEqualTo("acme");
        assertThat(browser.find("#who .roles").getText()).isEqualTo("auditor, tenant-admin");
        browser.find("#events-table tbody tr");
        assertThat(browser.driver().findElements(By.cssSelector("#events-table tbody tr"))).isNotEmpty();
        browser.screenshot("events");
        // A narrow window: the same page, laid out for it.
        browser.driver().manage().window().setSize(new org.openqa.selenium.Dimension(480, 800));
        browser.until("the narrow layout", "return window.innerWidth < 600");
        assertThat(browser.script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))
                .as("no page-wide horizontal scrolling (wide tables scroll inside themselves)").isEqualTo(true);
        browser.screenshot("events-narrow");
        browser.driver().manage().window().setSize(new org.openqa.selenium.Dimension(1280, 800));
    }

    @Test
    @Order(2)
    void an_attackers_user_agent_is_shown_as_text_and_runs_nothing() {
        go("#/events");
        browser.type("#f-request-id", hostileRequestId);
        browser.click("#apply-filters");
        browser.until("the hostile event alone", "return document.querySelectorAll('#events-table tbody tr').length === 1");
        var cell = browser.find("#events-table tbody tr td:last-child");

        assertThat(cell.getText()).isEqualTo(HOSTILE_AGENT);
        assertThat(browser.driver().findElements(By.cssSelector("#events-table img"))).isEmpty();
        browser.screenshot("events-hostile-user-agent");

        cell.click();
        assertThat(browser.findWithText("#user-agent", "onerror").getText()).isEqualTo(HOSTILE_AGENT);
        assertThat(browser.driver().findElements(By.cssSelector("main img"))).isEmpty();
        assertThat(browser.script("return window.__pwned === undefined")).isEqualTo(true);
    }

    @Test
    @Order(3)
    void an_events_detail_shows_every_field_the_canonical_json_and_copyable_ids() {
        go("#/events");
        browser.type("#f-action", "dataset:admin");
        browser.click("#apply-filters");
        browser.until("only dataset:admin events",
                "const rows = [...document.querySelectorAll('#events-table tbody tr')];"
                        + "return rows.length > 0 && rows.every(r => r.cells[3].textContent === 'dataset:admin')");
        browser.click("#events-table tbody tr");
        var id = browser.find("#event-id").getText();

        assertThat(browser.find("#event-json").getText()).contains("\"event_id\": \"" + id + "\"", "\"dataset:admin\"");
        // The leaf's canonical bytes: the domain line, then the JCS form (no spaces).
        assertThat(browser.findWithText("#canonical-json", "\"event_id\":\"" + id + "\"").getText()).startsWith("ts-audit-v1\n{\"actor\":");
        assertThat(browser.driver().findElements(By.cssSelector("button.copy"))).isNotEmpty();
        browser.screenshot("event-detail");
    }

    @Test
    @Order(4)
    void the_current_filter_is_exported_as_ndjson_and_csv() {
        go("#/events");
        browser.type("#f-action", "dataset:admin");
        browser.click("#apply-filters");
        browser.find("#events-table");
        browser.click("#export-ndjson");
        assertThat(browser.findWithText("#export-done", "NDJSON").getText()).matches("Exported [1-9][0-9]* bytes as NDJSON\\.");
        browser.click("#export-csv");
        assertThat(browser.findWithText("#export-done", "CSV").getText()).matches("Exported [1-9][0-9]* bytes as CSV\\.");
    }

    @Test
    @Order(5)
    void verification_runs_from_the_integrity_page() {
        go("#/integrity");
        browser.find("#partition-state dl");
        browser.click("#verify-now");

        assertThat(browser.findWithText("#verify-result", "Intact").getText()).startsWith("Intact");
        assertThat(browser.find("#verification table").getText()).contains("acme");
        browser.screenshot("integrity");
    }

    @Test
    @Order(6)
    void a_dataset_shows_its_access_in_words_and_its_refresh_state() {
        go("#/datasets");
        browser.click("a[href='#/datasets/cpu']");

        assertThat(browser.findWithText("#access-words", "Read").getText())
                .contains("Read: callers with the role reader or tenant-admin.")
                .contains("Write: callers with the role writer.");
        assertThat(browser.find("#refresh-state").getText()).contains("succeeded", "nightly-42", "since the watermark");
        assertThat(browser.find("#run-log").getText()).contains("nightly-42");
        browser.screenshot("dataset");
    }

    @Test
    @Order(7)
    void points_written_here_are_drawn_on_a_chart_that_is_not_blank() {
        go("#/data/cpu");
        browser.until("the series list", "return document.querySelectorAll('#data-series option').length > 0");
        browser.click("#draw");
        browser.find("#chart canvas");
        browser.until("painted pixels on the chart's canvas", """
                const c = document.querySelector('#chart canvas');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let painted = 0;
                for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) painted++;
                return painted > 500;""");
        assertThat(browser.find("#points").getText()).contains("60 points");
        browser.screenshot("data");
    }

    @Test
    @Order(8)
    void a_tenant_admin_creates_a_token_sees_its_secret_once_and_revokes_it() {
        go("#/tokens");
        browser.type("#token-name", "console-made");
        browser.click("#create-token button[type=submit]");

        var secret = browser.find("#secret-value").getText();
        assertThat(secret).startsWith("tsk_");
        assertThat(browser.find("#created-secret").getText()).contains("shown this once");
        assertThat(server.api().get("/storage/v1/datasets", "Authorization", "Token " + secret).statusCode()).isEqualTo(200);
        browser.screenshot("tokens");
        browser.click("#dismiss-secret");
        browser.findWithText("#token-list", "console-made");
        browser.click("#token-list button.revoke");
        browser.driver().switchTo().alert().accept();
        browser.findWithText("#token-list", "revoked");

        assertThat(server.api().get("/storage/v1/datasets", "Authorization", "Token " + secret).statusCode()).isEqualTo(401);
    }

    @Test
    @Order(9)
    void a_support_user_sees_the_masked_fields_as_masked() {
        signIn("sam", "support");
        go("#/events");
        browser.type("#f-request-id", hostileRequestId);
        browser.click("#apply-filters");
        browser.until("the hostile event alone", "return document.querySelectorAll('#events-table tbody tr').length === 1");
        browser.click("#events-table tbody tr");

        assertThat(browser.find("#user-agent .masked").getText()).isEqualTo("masked");
        assertThat(browser.find("#source-ip .masked").getText()).isEqualTo("masked");
        assertThat(browser.find("main").getText()).doesNotContain("onerror");
        browser.screenshot("support-view");
    }

    @Test
    @Order(10)
    void every_console_response_carried_the_strict_policy_and_the_browser_reported_no_violation() {
        var responses = browser.consoleResponses();
        assertThat(responses).isNotEmpty();
        responses.forEach((url, headers) -> {
            var csp = headers.entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase("Content-Security-Policy"))
                    .map(h -> String.valueOf(h.getValue())).findFirst().orElse("");
            assertThat(csp).as(url).contains("frame-ancestors 'none'", "script-src 'self'").doesNotContain("unsafe-inline");
        });
        assertThat(browser.log()).noneMatch(line -> line.contains("Content Security Policy") || line.contains("Uncaught"));
    }
}
