package io.timestore.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.Settings;
import io.timestore.server.db.Database;
import io.timestore.server.http.HttpServer;
import io.timestore.server.http.Problems;
import io.timestore.server.http.RequestIds;
import io.timestore.server.http.Route;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.ops.Metrics;
import io.timestore.server.ops.OperationsRoutes;
import io.timestore.server.ops.ReadinessCheck;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: every object of a running server is created and wired here, with
 * constructors, in the order it is needed. Start at {@link #start} to find every part.
 */
public final class Timestore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Timestore.class);

    private final Metrics metrics;
    private final Database database;
    private final HttpServer http;
    private final String host;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Timestore(Metrics metrics, Database database, HttpServer http, String host) {
        this.metrics = metrics;
        this.database = database;
        this.http = http;
        this.host = host;
    }

    /** Starts a server from validated settings. */
    public static Timestore start(Settings settings) {
        return start(settings, List.of());
    }

    /**
     * Starts a server with additional route groups, for embedding Timestore in a larger process
     * or exercising server mechanics (such as graceful shutdown) in tests.
     *
     * @throws InvalidSettings when the configuration cannot be used (data dir, database)
     */
    public static Timestore start(Settings settings, List<RouteGroup> additionalRoutes) {
        var version = Version.current();
        var clock = InstantSource.system();
        var random = new SecureRandom();
        var json = jsonMapper();
        prepareDataDir(settings.dataDir(), settings.database().embedded());

        var metrics = new Metrics(version);
        Database database;
        try {
            database = Database.open(settings.database(), settings.dataDir(), metrics.registry());
        } catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
        try {
            ReadinessCheck databaseCheck = new DatabaseReadiness(database, settings.database().connectTimeout());
            var groups = new ArrayList<RouteGroup>();
            groups.add(new OperationsRoutes(metrics, List.of(databaseCheck), json, version));
            groups.addAll(additionalRoutes);
            var http = HttpServer.start(settings.http(),
                    new HttpServer.Collaborators(new Problems(json), new RequestIds(clock, random), clock, random, metrics.registry()),
                    groups);
            var timestore = new Timestore(metrics, database, http, settings.http().host());
            log.atInfo()
                    .addKeyValue("version", version)
                    .addKeyValue("host", settings.http().host())
                    .addKeyValue("port", http.port())
                    .addKeyValue("database", database.target().maskedUrl())
                    .log("Timestore {} listening on {} using {} at {}", version, timestore.baseUri(),
                            database.target().kind(), database.target().maskedUrl());
            return timestore;
        } catch (RuntimeException e) {
            database.close();
            metrics.close();
            throw e;
        }
    }

    public int port() {
        return http.port();
    }

    public URI baseUri() {
        var shownHost = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + shownHost + ":" + http.port());
    }

    public List<Route> routes() {
        return http.routes();
    }

    public Database database() {
        return database;
    }

    /** Stops accepting, lets in-flight requests finish (bounded), closes the pool, stops PostgreSQL. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        log.info("shutting down: draining in-flight requests");
        try {
            http.close();
        } finally {
            try {
                database.close();
            } finally {
                metrics.close();
                log.info("shutdown complete");
            }
        }
    }

    static ObjectMapper jsonMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    private static void prepareDataDir(Path dataDir, boolean needed) {
        if (!needed && !Files.exists(dataDir)) {
            return;
        }
        try {
            Files.createDirectories(dataDir);
            var probe = Files.createTempFile(dataDir, ".write-probe", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new InvalidSettings("data-dir", "%s is not a writable directory (%s)".formatted(
                    dataDir.toAbsolutePath(), e.getClass().getSimpleName()));
        }
    }

    /** Ready while a runtime connection answers. */
    private record DatabaseReadiness(Database database, Duration timeout) implements ReadinessCheck {
        @Override
        public String name() {
            return "database";
        }

        @Override
        public boolean ready() {
            return database.reachable(timeout);
        }
    }
}
