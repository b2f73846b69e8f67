package io.timestore.server.testing;

import io.timestore.server.Timestore;
import io.timestore.server.config.DatabaseSettings;
import io.timestore.server.config.HttpSettings;
import io.timestore.server.config.LogFormat;
import io.timestore.server.config.Secret;
import io.timestore.server.config.Settings;
import io.timestore.server.http.RouteGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    private final List<RouteGroup> extraRoutes = new ArrayList<>();
    private SharedPostgres postgres;
    private String database;
    private Timestore timestore;
    private Api api;

    public static TimestoreServer create() {
        return new TimestoreServer();
    }

    /** Adjusts the settings before start, e.g. a shorter connect timeout. */
    public TimestoreServer with(UnaryOperator<Settings> change) {
        var previous = customize;
        customize = s -> change.apply(previous.apply(s));
        return this;
    }

    /** Adds routes that exist only in this test, to exercise server mechanics. */
    public TimestoreServer withRoutes(RouteGroup group) {
        extraRoutes.add(group);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        postgres = SharedPostgres.in(context);
        database = postgres.createDatabase(context.getRequiredTestClass().getSimpleName());
        timestore = Timestore.start(customize.apply(settingsFor(postgres, database, tempDir())), extraRoutes);
        api = new Api(timestore.baseUri());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (timestore != null) {
            timestore.close();
        }
    }

    /** Settings of a server on {@code database} of the shared cluster, on a free port. */
    public static Settings settingsFor(SharedPostgres postgres, String database, Path dataDir) {
        return new Settings(dataDir,
                new HttpSettings("127.0.0.1", 0, Duration.ofSeconds(5)),
                new DatabaseSettings(Optional.of(postgres.jdbcUrl(database)), SharedPostgres.OWNER, Secret.none(),
                        SharedPostgres.RUNTIME, Secret.none(), 8, Duration.ofSeconds(5)),
                LogFormat.JSON);
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

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("timestore-test-data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
