package io.timestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.http.HandlerType;
import io.timestore.server.auditing.ApiOperation;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.SharedPostgres;
import io.timestore.server.testing.TimestoreServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Stopping drains: a request in flight finishes, new connections are refused, and the drain is bounded. */
class GracefulShutdownTest {
    private static SharedPostgres postgres;

    @RegisterExtension
    static final BeforeAllCallback shared = context -> postgres = SharedPostgres.in(context);

    @TempDir
    Path dataDir;

    private static String[] bearer(Timestore timestore) {
        var token = timestore.devIssuer().orElseThrow().mint(new io.timestore.server.identity.DevIssuer.Grant("slow-client",
                java.util.Optional.of(new io.timestore.security.TenantId("acme")), List.of("reader"), List.of(), Duration.ofMinutes(5)));
        return new String[] {"Authorization", "Bearer " + token};
    }

    private Timestore startWithSlowRoute(CountDownLatch entered, CountDownLatch release, Duration shutdownTimeout) {
        var database = postgres.createDatabase("graceful");
        try (var superuser = postgres.superuser(database)) {
            superuser.createStatement().execute("INSERT INTO tenants (id, name, created_by, updated_by) VALUES ('acme', 'Acme', 't', 't')");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        var settings = TimestoreServer.settingsFor(postgres, database, dataDir);
        settings = settings.withHttp(settings.http().withShutdownTimeout(shutdownTimeout));
        return Timestore.start(settings, List.of(routes -> routes.api(HandlerType.GET, "/test/slow",
                ApiOperation.read("dataset:read", "test", "dataset"), (ctx, security, audit) -> {
                    entered.countDown();
                    release.await(60, TimeUnit.SECONDS);
                    ctx.result("finished");
                })));
    }

    @Test
    void an_in_flight_request_completes_while_the_server_stops() throws Exception {
        var entered = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var timestore = startWithSlowRoute(entered, release, Duration.ofSeconds(20));
        var api = new Api(timestore.baseUri());
        var inFlight = api.client().sendAsync(api.request("/test/slow", bearer(timestore)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        int port = timestore.port();
        var stopping = CompletableFuture.runAsync(timestore::close);
        io.timestore.server.testing.Await.until("the listener stops accepting", Duration.ofSeconds(10), () -> {
            try (var socket = new java.net.Socket("127.0.0.1", port)) {
                return false;
            } catch (java.io.IOException refused) {
                return true;
            }
        });
        release.countDown();

        var response = inFlight.get(20, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("finished");
        stopping.get(20, TimeUnit.SECONDS);
        assertThat(timestore.drainedCleanly()).as("every in-flight request finished").isTrue();
    }

    @Test
    void the_drain_is_bounded_by_the_shutdown_timeout() throws Exception {
        var entered = new CountDownLatch(1);
        var neverReleased = new CountDownLatch(1);
        var timestore = startWithSlowRoute(entered, neverReleased, Duration.ofMillis(500));
        var api = new Api(timestore.baseUri());
        api.client().sendAsync(api.request("/test/slow", bearer(timestore)).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        long started = System.nanoTime();
        timestore.close();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        assertThat(timestore.drainedCleanly()).as("a request was cut off").isFalse();
        neverReleased.countDown();
    }
}
