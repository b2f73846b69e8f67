package io.timestore.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.config.AuthSettings;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import io.timestore.server.testing.Tokens;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The console's files, headers, development sign-in and who-am-I, over real HTTP (docs/console.md). */
class ConsoleServingTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"(/console/assets/[0-9a-f]{16}/[^\"]+)\"");

    private final AuditLog audit = new AuditLog(server);

    private static java.util.List<String> assetUrls(String page) {
        var urls = new ArrayList<String>();
        var matcher = ASSET.matcher(page);
        while (matcher.find()) {
            urls.add(matcher.group(1));
        }
        return urls;
    }

    private static void assertStrictHeaders(String what, java.net.http.HttpHeaders headers) {
        var csp = headers.firstValue("Content-Security-Policy").orElse("");
        assertThat(csp).as("CSP of %s", what)
                .contains("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                        "connect-src 'self'", "object-src 'none'", "base-uri 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval");
        assertThat(headers.firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
        assertThat(headers.firstValue("Referrer-Policy")).as(what).hasValue("no-referrer");
    }

    @Test
    void the_page_is_served_fresh_with_a_strict_policy_and_leaves_no_audit_event() {
        var requestId = "console-" + UUID.randomUUID();
        var page = server.api().get("/console/", "X-Request-ID", requestId);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.header("Cache-Control")).isEqualTo("no-cache");
        assertStrictHeaders("/console/", page.headers());
        assertThat(page.body()).contains("<meta name=\"timestore-console\" content=\"{&quot;dev_sign_in&quot;:true")
                .doesNotContain("<script>").doesNotContain("style=");
        assertThat(audit.eventsFor(requestId)).as("static files are not API calls").isEmpty();
        assertThat(server.api().get("/console").statusCode()).isEqualTo(308);
        assertThat(server.api().get("/metrics").body()).as("counted like any request, under the site's route")
                .containsPattern("timestore_http_server_requests_seconds_count\\{[^}]*route=\"/console/\\*\"[^}]*status_class=\"2xx\"");
    }

    @Test
    void every_asset_has_a_fingerprinted_immutable_url_the_strict_policy_and_a_gzip_form() throws IOException, InterruptedException {
        var page = server.api().get("/console/").body();
        var urls = assetUrls(page);
        assertThat(urls).anyMatch(u -> u.endsWith("/app.js")).anyMatch(u -> u.endsWith("/console.css"))
                .anyMatch(u -> u.endsWith("/vendor/uPlot.min.css")).anyMatch(u -> u.endsWith("/vendor/uPlot.LICENSE.txt"));
        var fingerprint = urls.getFirst().split("/")[3];
        urls.add("/console/assets/" + fingerprint + "/vendor/uPlot.esm.js");
        for (var file : ConsoleAssets.FILES) {
            urls.add("/console/assets/" + fingerprint + "/" + file);
        }
        for (var url : urls) {
            var plain = server.api().get(url);
            assertThat(plain.statusCode()).as(url).isEqualTo(200);
            assertThat(plain.header("Cache-Control")).as(url).isEqualTo("public, max-age=31536000, immutable");
            assertStrictHeaders(url, plain.headers());

            var gzipped = server.api().client().send(server.api().request(url, "Accept-Encoding", "gzip").GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(gzipped.headers().firstValue("Content-Encoding")).as(url).hasValue("gzip");
            try (var in = new GZIPInputStream(new ByteArrayInputStream(gzipped.body()))) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).as(url).isEqualTo(plain.body());
            }
        }
        assertThat(server.api().get("/console/assets/" + fingerprint + "/vendor/uPlot.LICENSE.txt").body()).contains("MIT");
    }

    @Test
    void a_path_under_the_console_that_holds_no_file_is_an_audited_404_with_the_strict_policy() {
        var requestId = "console-" + UUID.randomUUID();
        var stale = server.api().get("/console/assets/0000000000000000/app.js", "X-Request-ID", requestId);

        assertThat(stale.statusCode()).isEqualTo(404);
        assertStrictHeaders("a stale asset", stale.headers());
        Await.until("the unmatched path's event", java.time.Duration.ofSeconds(10), () -> audit.eventsFor(requestId).size() == 1);
    }

    @Test
    void the_development_sign_in_mints_a_short_lived_token_that_whoami_recognises_and_audits_the_sign_in() {
        server.tenant("acme");
        var requestId = "dev-sign-in-" + UUID.randomUUID();
        var signedIn = server.api().postJson("/console/v1/dev-sign-in",
                "{\"subject\": \"ada\", \"tenant\": \"acme\", \"roles\": [\"auditor\", \"tenant-admin\"]}", "X-Request-ID", requestId);

        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
        assertThat(signedIn.header("Cache-Control")).isEqualTo("no-store");
        var token = signedIn.json().get("token").asText();
        assertThat(signedIn.json().get("subject").asText()).isEqualTo("ada");
        var who = server.api().get("/admin/v1/whoami", Tokens.bearer(token));
        assertThat(who.statusCode()).isEqualTo(200);
        assertThat(who.json().get("subject").asText()).isEqualTo("ada");
        assertThat(who.json().get("tenant").asText()).isEqualTo("acme");
        assertThat(who.json().get("roles").toString()).isEqualTo("[\"auditor\",\"tenant-admin\"]");
        assertThat(who.json().get("auth_method").asText()).isEqualTo("jwt");

        var events = audit.eventsFor(requestId);
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().get("tenant_id").asText()).isEqualTo("acme");
        assertThat(events.getFirst().at("/actor/id").asText()).isEqualTo("ada");
        assertThat(events.getFirst().at("/operation/action").asText()).isEqualTo("console:dev-sign-in");
        assertThat(audit.everything()).as("the minted token is never stored").doesNotContain(token);
    }

    @Test
    void the_development_sign_in_refuses_a_bad_body_precisely_and_an_unknown_tenant() {
        var bad = server.api().postJson("/console/v1/dev-sign-in", "{\"subject\": \"ada\", \"tenant\": \"Not A Tenant\"}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.json().get("code").asText()).isEqualTo("invalid_request");
        assertThat(bad.json().at("/errors/0/pointer").asText()).isEqualTo("/tenant");

        var unknown = server.api().postJson("/console/v1/dev-sign-in", "{\"subject\": \"ada\", \"tenant\": \"nobody-here\"}");
        assertThat(unknown.statusCode()).isIn(401, 403);
    }

    @Test
    void the_development_sign_in_refuses_a_request_a_proxy_forwarded() {
        var forwarded = server.api().postJson("/console/v1/dev-sign-in", "{\"subject\": \"ada\", \"tenant\": \"acme\"}",
                "X-Forwarded-For", "203.0.113.9");

        assertThat(forwarded.statusCode()).isEqualTo(404);
        assertThat(forwarded.json().get("code").asText()).isEqualTo("dev_sign_in_unavailable");
    }

    @Test
    void whoami_needs_a_credential() {
        assertThat(server.api().get("/admin/v1/whoami").statusCode()).isEqualTo(401);
    }

    @Test
    void without_the_development_issuer_the_development_sign_in_is_refused_and_not_offered() {
        var production = TimestoreServer.create()
                .with(settings -> settings.withAuth(settings.auth().withDevIssuer(AuthSettings.DevIssuer.OFF)));
        production.start(server.postgres(), "console_no_dev_issuer");
        try {
            var refused = production.api().postJson("/console/v1/dev-sign-in", "{\"subject\": \"ada\", \"tenant\": \"acme\"}");
            assertThat(refused.statusCode()).isEqualTo(404);
            assertThat(refused.json().get("code").asText()).isEqualTo("dev_sign_in_unavailable");
            assertThat(production.api().get("/console/").body()).contains("{&quot;dev_sign_in&quot;:false");
        } finally {
            production.stop();
        }
    }
}
