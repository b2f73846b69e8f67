package io.timestore.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.TenantId;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * A real server process ({@link ServerProcess}) over one data directory, killed with SIGKILL while
 * its delivery loop feeds the configured sinks under load, then started again over the same
 * directory: the shared part of the delivery crash tests. Tokens come from the data directory's
 * development issuer, so they stay valid across the restart.
 */
final class MidDeliveryCrash {
    private final Path dataDir;
    private final Path config;
    private final List<String> tenants;
    private final String operator;
    private final Map<String, String> admins = new LinkedHashMap<>();

    /** @param config the configuration file both server processes start with */
    MidDeliveryCrash(Path dataDir, Path config, List<String> tenants) {
        this.dataDir = dataDir;
        this.config = config;
        this.tenants = List.copyOf(tenants);
        var issuer = DevIssuer.load(new KeyFiles(dataDir), "timestore", io.timestore.security.jwt.ClaimNames.defaults(),
                InstantSource.system());
        this.operator = "Bearer " + issuer.mint(new DevIssuer.Grant("ops", Optional.of(new TenantId("platform")),
                List.of("platform-operator"), List.of(), Duration.ofMinutes(15)));
        for (var tenant : tenants) {
            admins.put(tenant, "Bearer " + issuer.mint(new DevIssuer.Grant("alice", Optional.of(new TenantId(tenant)),
                    List.of("tenant-admin", "auditor"), List.of(), Duration.ofMinutes(15))));
        }
    }

    /**
     * Starts the first server, creates the tenants, keeps requests of every tenant coming, and kills
     * the process with SIGKILL as soon as {@code midStream} holds (the sinks are being fed).
     */
    void killWhen(String midStream, BooleanSupplier condition) throws Exception {
        try (var first = ServerProcess.serve(dataDir, "--config", config.toString())) {
            var api = new Api(first.awaitListening(Duration.ofSeconds(90)));
            for (var tenant : tenants) {
                assertThat(api.postJson("/admin/v1/tenants", "{\"id\": \"" + tenant + "\", \"name\": \"" + tenant + "\"}",
                        "Authorization", operator).statusCode()).isEqualTo(201);
            }
            var stop = new AtomicBoolean();
            try (var load = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int worker = 0; worker < 4; worker++) {
                    var admin = admins.get(tenants.get(worker % tenants.size()));
                    load.submit(() -> {
                        while (!stop.get()) {
                            try {
                                api.get("/admin/v1/tokens?limit=1", "Authorization", admin);
                            } catch (RuntimeException connectionLost) {
                                return;
                            }
                        }
                    });
                }
                Await.until(midStream, Duration.ofSeconds(60), condition);
                first.kill();
                stop.set(true);
            }
        }
    }

    /** The second server process and a client of it. */
    record Restarted(ServerProcess process, Api api) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.close();
        }
    }

    /** Starts the second server over the same data directory, with one more request per tenant. */
    Restarted restart() {
        var second = ServerProcess.serve(dataDir, "--config", config.toString());
        var api = new Api(second.awaitListening(Duration.ofSeconds(90)));
        for (var tenant : tenants) {
            api.get("/admin/v1/tokens?limit=1", "Authorization", admins.get(tenant));
        }
        return new Restarted(second, api);
    }

    /** The tenant's auditor credential (also a tenant admin). */
    String admin(String tenant) {
        return admins.get(tenant);
    }

    /** Every tenant's sealed event ids in seq order, through the audit API of {@code api}. */
    Map<String, List<String>> sealed(Api api) {
        var sealed = new LinkedHashMap<String, List<String>>();
        tenants.forEach(tenant -> sealed.put(tenant, Delivered.sealedIds(api, admins.get(tenant))));
        return sealed;
    }
}
