package io.timestore.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.jwt.KeySource;
import io.timestore.security.jwt.TrustedIssuer;
import io.timestore.server.config.AuthSettings;
import io.timestore.server.testing.Browser;
import io.timestore.server.testing.TimestoreServer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;

/**
 * The console signs in through a real OpenID Connect provider (mock-oauth2-server) with the
 * authorization code flow and PKCE, as a public client (docs/console.md), in headless Chromium.
 */
class ConsoleOidcSignInTest {
    private static final String ISSUER_ID = "corp";
    private static final String CLIENT_ID = "timestore-console";
    private static final MockOAuth2Server idp = started();

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().with(settings -> settings.withAuth(settings.auth()
            .withDevIssuer(AuthSettings.DevIssuer.OFF)
            .withIssuers(List.of(new TrustedIssuer(idp.issuerUrl(ISSUER_ID).toString(), KeySource.Jwks.of(idp.jwksUrl(ISSUER_ID).uri()))))
            .withConsoleClientId(Optional.of(CLIENT_ID))));

    private static Browser browser;

    private static MockOAuth2Server started() {
        var provider = new MockOAuth2Server();
        provider.start();
        return provider;
    }

    @BeforeAll
    static void start() {
        server.tenant("acme");
        browser = Browser.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        idp.shutdown();
    }

    @Test
    void a_user_signs_in_at_the_identity_provider_and_the_console_shows_who_they_are() {
        // What the provider puts in the access token of the next code exchange.
        idp.enqueueCallback(new DefaultOAuth2TokenCallback(ISSUER_ID, "olivia", "JWT", List.of("timestore"),
                Map.of("tenant_id", "acme", "roles", List.of("auditor")), 300));
        browser.open(server.timestore().consoleUri().toString());
        assertThat(browser.driver().findElements(By.id("dev-sign-in"))).as("no development sign-in without the development issuer").isEmpty();
        browser.screenshot("oidc-sign-in");

        browser.click("#oidc-sign-in");

        assertThat(browser.findWithText("#who .subject", "olivia").getText()).isEqualTo("olivia");
        assertThat(browser.find("#who .tenant").getText()).isEqualTo("acme");
        assertThat(browser.find("#who .roles").getText()).isEqualTo("auditor");
        assertThat(browser.driver().getCurrentUrl()).as("the code is gone from the address bar").doesNotContain("code=");
        assertThat(browser.script("return localStorage.length + sessionStorage.length")).as("no token stored").isEqualTo(0L);
        browser.find("#events-table");
    }
}
