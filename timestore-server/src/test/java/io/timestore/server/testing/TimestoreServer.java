package io.timestore.server.testing;

import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.server.Timestore;
import io.timestore.server.config.Settings;
import io.timestore.server.config.SettingsLoader;
import io.timestore.server.http.RouteGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the full server for one test class: its own database cloned from the migrated
 * template on the shared embedded PostgreSQL, HTTP on a free port, the runtime role exactly as
 * in production. Register it as a static field with {@code @RegisterExtension}.
 */
public final class TimestoreServer implements BeforeAllCallback, AfterAllCallback {
    private UnaryOperator<Settings> customize = UnaryOperator.identity();
    private java.time.InstantSource clock = java.time.InstantSource.system();
    private final List<RouteGroup> extraRoutes = new ArrayList<>();
    private io.opentelemetry.api.OpenTelemetry openTelemetry;
    private SharedPostgres postgres;
    private String database;
    private Timestore timestore;
    private Api api;
    private Path dataDir;

    public static TimestoreServer create() {
        return new TimestoreServer();
    }

    /** Adjusts the settings before start, e.g. a shorter connect timeout. */
    public TimestoreServer with(UnaryOperator<Settings> change) {
        var previous = customize;
        customize = s -> change.apply(previous.apply(s));
        return this;
    }

    /** Runs the server on {@code testClock}. */
    public TimestoreServer withClock(java.time.InstantSource testClock) {
        this.clock = testClock;
        return this;
    }

    /** Sends the server's spans to {@code sdk} (e.g. an SDK with an in-memory exporter). */
    public TimestoreServer withOpenTelemetry(io.opentelemetry.api.OpenTelemetry sdk) {
        this.openTelemetry = sdk;
        return this;
    }

    /** Adds routes that exist only in this test, to exercise server mechanics. */
    public TimestoreServer withRoutes(RouteGroup group) {
        extraRoutes.add(group);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start(SharedPostgres.in(context), context.getRequiredTestClass().getSimpleName());
    }

    /**
     * Starts the server on its own database of {@code cluster}, outside JUnit Jupiter's lifecycle
     * (jqwik properties call it from {@code @BeforeContainer}); {@link #stop()} ends it.
     */
    public TimestoreServer start(SharedPostgres cluster, String name) {
        return startOn(cluster, cluster.createDatabase(name));
    }

    /**
     * Starts the server on an existing database of {@code cluster}, e.g. one a test migrated only
     * part of the way (the server migrates it to the latest version as it starts).
     */
    public TimestoreServer startOn(SharedPostgres cluster, String existingDatabase) {
        postgres = cluster;
        database = existingDatabase;
        dataDir = tempDir();
        var settings = customize.apply(settingsFor(postgres, database, dataDir));
        timestore = openTelemetry == null
                ? Timestore.start(settings, extraRoutes, clock)
                : Timestore.start(settings, extraRoutes, clock, openTelemetry);
        api = new Api(timestore.baseUri());
        return this;
    }

    /** Stops a server started with {@link #start(SharedPostgres, String)}. */
    public void stop() {
        afterAll(null);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (timestore != null) {
            timestore.close();
        }
        Directories.delete(dataDir);
    }

    /**
     * Settings of a server on {@code database} of the shared cluster, on a free port, read through
     * the real configuration loader: the defaults are production's, except that automatic blocking
     * is off (tests refuse credentials on purpose, all from one address) and so is the scheduled
     * compactor (tests run compaction passes themselves). The development issuer is on,
     * so tests mint real JWTs with {@link #tokens()}.
     */
    public static Settings settingsFor(SharedPostgres postgres, String database, Path dataDir) {
        var masterKey = new byte[32];
        new SecureRandom().nextBytes(masterKey);
        var checkpointKey = dataDir.resolve("audit-checkpoint.key");
        try {
            Files.createDirectories(dataDir);
            Files.writeString(checkpointKey, CheckpointKeys.toFileText(CheckpointKeys.generate(new SecureRandom())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return SettingsLoader.load(
                Map.of("server.port", "0", "data-dir", dataDir.toString(), "database.url", postgres.jdbcUrl(database),
                        "points.compaction.interval", System.getProperty("timestore.test.compaction-interval", "1m")),
                Optional.empty(),
                Map.of("TIMESTORE_MASTER_KEY", Base64.getEncoder().encodeToString(masterKey),
                        "TIMESTORE_DEV_ISSUER", "on",
                        "TIMESTORE_AUDIT_SIGNING_KEY_FILE", checkpointKey.toString(),
                        "TIMESTORE_DB_POOL_SIZE", "8",
                        "TIMESTORE_SHUTDOWN_TIMEOUT", "5s",
                        // Tests fail authentication on purpose, all from 127.0.0.1; the blocking tests turn it on.
                        "TIMESTORE_AUTH_BLOCKING_ENABLED", "false",
                        // Tests write old times and some count the hot rows of `points`: no pass may fold them
                        // at a moment of its own. Tests of compaction run passes themselves (compactor().runOnce()).
                        // -Dtimestore.test.compaction-interval=200ms turns it on with passes that often, to run
                        // read tests over folded points (tests counting hot rows then fail, as they should).
                        "TIMESTORE_POINTS_COMPACTION_ENABLED", System.getProperty("timestore.test.compaction-interval") != null ? "true" : "false"));
    }

    /** Mints real JWTs from the server's development issuer. */
    public Tokens tokens() {
        return new Tokens(timestore.devIssuer().orElseThrow(() -> new IllegalStateException("the dev issuer is off")));
    }

    /** The {@code Authorization} header (as {@link Api}'s header pairs) of a user of {@code tenant} with {@code role}. */
    public String[] as(String tenant, String role) {
        return Tokens.bearer(tokens().user(tenant, role));
    }

    /** Creates dataset {@code id} of {@code tenant} through the API, as its tenant admin; returns {@code id}. */
    public String dataset(String tenant, String id) {
        var response = api.postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(id), as(tenant, "tenant-admin"));
        if (response.statusCode() != 201) {
            throw new AssertionError("creating dataset %s of %s: %d %s".formatted(id, tenant, response.statusCode(), response.body()));
        }
        return id;
    }

    /** Creates an active tenant directly in the database (the platform API is tested separately). */
    public TimestoreServer tenant(String id) {
        try (var superuser = postgres.superuser(database);
             var statement = superuser.prepareStatement(
                     "INSERT INTO tenants (id, name, created_by, updated_by) VALUES (?, ?, 'test', 'test') ON CONFLICT DO NOTHING")) {
            statement.setString(1, id);
            statement.setString(2, id.toUpperCase(java.util.Locale.ROOT));
            statement.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot create tenant " + id, e);
        }
        return this;
    }

    public Api api() {
        return api;
    }

    public Timestore timestore() {
        return timestore;
    }

    public SharedPostgres postgres() {
        return postgres;
    }

    public String database() {
        return database;
    }

    /** The server's data directory (where its development issuer key lives). */
    public Path dataDir() {
        return dataDir;
    }

    private static Path tempDir() {
        return Directories.temporary("timestore-test-data");
    }
}
