package io.timestore.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.timestore.audit.AuditJson;
import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointStore;
import io.timestore.audit.delivery.DeliveryLoop;
import io.timestore.audit.delivery.DeliveryStore;
import io.timestore.audit.delivery.DeliveryTarget;
import io.timestore.audit.delivery.DeliveryTargets;
import io.timestore.audit.redaction.Redactor;
import io.timestore.audit.redaction.SupportView;
import io.timestore.audit.retention.Retention;
import io.timestore.audit.store.GroupCommitRecorder;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.audit.verify.AuditVerification;
import io.timestore.security.Authenticator;
import io.timestore.security.TenantResolver;
import io.timestore.security.authz.Authorizer;
import io.timestore.security.jwt.JwtVerifier;
import io.timestore.security.jwt.TrustedIssuer;
import io.timestore.security.signed.SignedRequestVerifier;
import io.timestore.security.tokens.ApiTokenAuthenticator;
import io.timestore.security.tokens.ApiTokens;
import io.timestore.server.auditapi.AuditRoutes;
import io.timestore.server.auditapi.LogRoutes;
import io.timestore.server.auditing.AuditEvents;
import io.timestore.server.blocking.BlockRoutes;
import io.timestore.server.blocking.Blocks;
import io.timestore.server.compaction.PointsCompactor;
import io.timestore.server.config.AuditSettings;
import io.timestore.server.config.AuthSettings;
import io.timestore.server.config.DeliverySettings;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.MasterKey;
import io.timestore.server.config.Settings;
import io.timestore.server.config.TenantStreamSettings;
import io.timestore.server.console.ConsoleRoutes;
import io.timestore.server.credentials.CredentialExpiry;
import io.timestore.server.credentials.CredentialRoutes;
import io.timestore.server.datasets.DatasetRoutes;
import io.timestore.server.datasets.DatasetService;
import io.timestore.server.datasets.DatasetStore;
import io.timestore.server.datasets.InfluxBucketRoutes;
import io.timestore.server.db.Database;
import io.timestore.server.db.Transactions;
import io.timestore.server.delivery.DeliveryMetrics;
import io.timestore.server.delivery.RetentionHold;
import io.timestore.server.delivery.SinkFactory;
import io.timestore.server.delivery.streams.AuditStreams;
import io.timestore.server.delivery.streams.TenantStreamTargets;
import io.timestore.server.delivery.webhook.OutboundPolicy;
import io.timestore.server.http.AuditStep;
import io.timestore.server.http.Cursors;
import io.timestore.server.http.Gate;
import io.timestore.server.http.HttpServer;
import io.timestore.server.http.JsonBodies;
import io.timestore.server.http.Permissions;
import io.timestore.server.http.Problems;
import io.timestore.server.http.RequestIds;
import io.timestore.server.http.Route;
import io.timestore.server.http.RouteGroup;
import io.timestore.server.http.SecurityTelemetry;
import io.timestore.server.idempotency.IdempotencyKeys;
import io.timestore.server.idempotency.IdempotentRequests;
import io.timestore.server.identity.CheckpointKeyRotation;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.identity.KeyFiles;
import io.timestore.server.ingest.PointsRoutes;
import io.timestore.server.ingest.PointsService;
import io.timestore.server.limits.LimitRoutes;
import io.timestore.server.limits.LimitService;
import io.timestore.server.limits.RateLimits;
import io.timestore.server.ops.AuditCommitMetrics;
import io.timestore.server.ops.AuditPipelineMetrics;
import io.timestore.server.ops.AuthMetrics;
import io.timestore.server.ops.BoundedReadiness;
import io.timestore.server.ops.Metrics;
import io.timestore.server.ops.OperationsRoutes;
import io.timestore.server.ops.ReadinessCheck;
import io.timestore.server.ops.SealingMetrics;
import io.timestore.server.ops.TenantLabels;
import io.timestore.server.ops.Tracing;
import io.timestore.server.points.PointsMetrics;
import io.timestore.server.query.InfluxQlQueries;
import io.timestore.server.query.InfluxQlRoutes;
import io.timestore.server.query.QueryRoutes;
import io.timestore.server.query.QueryService;
import io.timestore.server.refresh.RefreshMetrics;
import io.timestore.server.refresh.RefreshRoutes;
import io.timestore.server.refresh.RefreshService;
import io.timestore.server.retention.AuditRetentionJob;
import io.timestore.server.retention.PointsRetention;
import io.timestore.server.schemawatch.SchemaChangeReporter;
import io.timestore.server.secrets.MasterKeys;
import io.timestore.server.shares.ShareRoutes;
import io.timestore.server.shares.ShareService;
import io.timestore.server.signingkeys.NonceRecords;
import io.timestore.server.signingkeys.SigningKeyRecords;
import io.timestore.server.signingkeys.SigningKeyRoutes;
import io.timestore.server.signingkeys.SigningKeyService;
import io.timestore.server.tenants.TenantChangeListener;
import io.timestore.server.tenants.TenantRoutes;
import io.timestore.server.tenants.TenantService;
import io.timestore.server.tenants.TenantStatuses;
import io.timestore.server.tls.TlsContext;
import io.timestore.server.tokens.LastUsedBatcher;
import io.timestore.server.tokens.TokenRecords;
import io.timestore.server.tokens.TokenRoutes;
import io.timestore.server.tokens.TokenService;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: every object of a running server is created and wired here, with
 * constructors, in the order it is needed. Start at {@link #start} to find every part.
 *
 * <p>Its length (over 600 lines) is the price of having one place that wires everything: each
 * part is a few constructor calls, in start order, and splitting them across factories would hide
 * the order that {@link #close} reverses.
 */
public final class Timestore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Timestore.class);
    public static final String CHECKPOINT_KEY_FILE = "audit-checkpoint.key";
    /** The configured master key's file under {@code <data-dir>/keys} with the embedded database. */
    static final String MASTER_KEY_FILE = "master.key";
    /** How long /readyz waits for the database to answer before it reports it down: probes give up after 1 s. */
    private static final Duration READINESS_PATIENCE = Duration.ofMillis(500);

    private final Metrics metrics;
    private final Database database;
    private final GroupCommitRecorder auditRecorder;
    private final Sequencer sequencer;
    private final AuditRetentionJob retentionJob;
    private final SchemaChangeReporter schemaChanges;
    private final Blocks blocks;
    private final DeliveryLoop delivery;
    private final List<DeliveryTarget> sinks;
    private final LastUsedBatcher lastUsed;
    private final TenantChangeListener tenantChanges;
    private final PointsRetention retention;
    private final PointsCompactor compactor;
    private final HttpServer http;
    private final Optional<DevIssuer> devIssuer;
    private final String host;
    private final Optional<TlsContext> tls;
    private final Tracing tracing;
    private final AuditStreams auditStreams;
    private final CheckpointKeyRotation checkpointKeyRotation;
    private final MasterKeys masterKeys;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean drained;

    private Timestore(Metrics metrics, Database database, GroupCommitRecorder auditRecorder, Sequencer sequencer,
                      AuditRetentionJob retentionJob, SchemaChangeReporter schemaChanges, DeliveryLoop delivery, List<DeliveryTarget> sinks,
                      LastUsedBatcher lastUsed, TenantChangeListener tenantChanges, PointsRetention retention, PointsCompactor compactor, HttpServer http, Optional<DevIssuer> devIssuer, String host,
                      Optional<TlsContext> tls, Tracing tracing, AuditStreams auditStreams, CheckpointKeyRotation checkpointKeyRotation,
                      Blocks blocks, MasterKeys masterKeys) {
        this.blocks = blocks;
        this.masterKeys = masterKeys;
        this.tls = tls;
        this.checkpointKeyRotation = checkpointKeyRotation;
        this.tracing = tracing;
        this.auditStreams = auditStreams;
        this.metrics = metrics;
        this.sequencer = sequencer;
        this.retentionJob = retentionJob;
        this.schemaChanges = schemaChanges;
        this.delivery = delivery;
        this.sinks = sinks;
        this.database = database;
        this.auditRecorder = auditRecorder;
        this.lastUsed = lastUsed;
        this.tenantChanges = tenantChanges;
        this.retention = retention;
        this.compactor = compactor;
        this.http = http;
        this.devIssuer = devIssuer;
        this.host = host;
    }

    /** Starts a server from validated settings. */
    public static Timestore start(Settings settings) {
        return start(settings, List.of());
    }

    /**
     * Starts a server with additional route groups, for embedding Timestore in a larger process
     * or exercising server mechanics (such as graceful shutdown) in tests. Additional routes are
     * registered like every other: authenticated and audited.
     *
     * @throws InvalidSettings when the configuration cannot be used (data dir, database, keys)
     */
    public static Timestore start(Settings settings, List<RouteGroup> additionalRoutes) {
        return start(settings, additionalRoutes, InstantSource.system());
    }

    /** Starts a server reading time from {@code clock} (tests pin or move time with it). */
    public static Timestore start(Settings settings, List<RouteGroup> additionalRoutes, InstantSource clock) {
        return start(settings, additionalRoutes, clock, Tracing.from(settings.telemetry(), Version.current()));
    }

    /**
     * Starts a server whose spans go to {@code openTelemetry} (owned by the caller, e.g. an SDK
     * with an in-memory exporter in tests) whatever {@code tracing.otlp-endpoint} says.
     */
    public static Timestore start(Settings settings, List<RouteGroup> additionalRoutes, InstantSource clock,
                                  OpenTelemetry openTelemetry) {
        return start(settings, additionalRoutes, clock, Tracing.using(openTelemetry));
    }

    private static Timestore start(Settings settings, List<RouteGroup> additionalRoutes, InstantSource clock,
                                   Tracing tracing) {
        var version = Version.current();
        var random = new SecureRandom();
        var json = jsonMapper();
        boolean embedded = settings.database().embedded();
        prepareDataDir(settings.dataDir(), embedded);
        var keyFiles = new KeyFiles(settings.dataDir());
        var masterKey = masterKey(settings, keyFiles);
        // The keys that encrypt stored secrets: the master-key file once rotated, reloaded without restart.
        var masterKeys = MasterKeys.load(masterKey, masterKeyFile(settings, keyFiles)).watch(MasterKeys.RELOAD_INTERVAL);

        var metrics = new Metrics(version);
        masterKeys.bind(metrics.registry());
        var tracer = tracing.tracer();
        var tenantLabels = new TenantLabels(settings.telemetry());
        var closeOnFailure = new ArrayList<AutoCloseable>();
        closeOnFailure.add(tracing);
        closeOnFailure.add(metrics);
        closeOnFailure.add(masterKeys);
        // Platform audit sinks first: a bad entry stops startup (exit 2) before the database starts.
        var deliverySettings = settings.audit().delivery();
        var sinks = SinkFactory.standard().create(deliverySettings.sinks(), new SinkFactory.Context(settings.dataDir(), clock));
        closeOnFailure.add(() -> SinkFactory.close(sinks));
        try {
            // TLS before the database: an unusable certificate stops startup at once (exit 2).
            var tls = TlsContext.open(settings.http().tls(), embedded, keyFiles, settings.http().host(), metrics.registry());
            tls.ifPresent(closeOnFailure::add);
            var database = Database.open(settings.database(), deliverySettings.poolSize(), settings.dataDir(), metrics.registry());
            closeOnFailure.add(database);
            // Counts statements refused by row-level security; spans each transaction of a traced request.
            var transactions = new Transactions(database.runtimeDataSource(), metrics.registry(), tracer);

            // Audit first: every route below is born audited.
            var auditSink = new PostgresEventStore(database.auditDataSource(), new AuditJson());
            var auditSettings = settings.audit();
            var recorder = new GroupCommitRecorder(auditSink, auditSettings.queueCapacity(), auditSettings.maxBatch(),
                    Database.AUDIT_CONNECTIONS, new AuditCommitMetrics(metrics.registry()));
            closeOnFailure.addFirst(recorder);
            var auditEvents = new AuditEvents(auditSink, new Redactor(auditSettings.redaction()));
            AuditPipelineMetrics.bind(metrics.registry(), recorder, auditEvents);
            var checkpointKeyPair = checkpointKeys(settings, keyFiles);
            // One signer for the sequencer and the retention purge; rotated without restart below.
            var checkpointSigner = new CheckpointSigner(checkpointKeyPair, clock);
            var sequencer = new Sequencer(database.runtimeDataSource(), new AuditJson(),
                    checkpointSigner, checkpointKeyPair.getPublic(), auditSettings.logName(), clock,
                    new Sequencer.Settings(auditSettings.sealInterval(), AuditSettings.SEAL_BATCH_SIZE, auditSettings.checkpointEvery(),
                            auditSettings.checkpointInterval(), AuditSettings.SEQUENCER_LEADER_RETRY),
                    new SealingMetrics(metrics.registry())).start();
            closeOnFailure.addFirst(sequencer);
            var checkpointKeyRotation = CheckpointKeyRotation.start(
                    auditSettings.signingKeyFile().orElse(keyFiles.path(CHECKPOINT_KEY_FILE)), checkpointSigner,
                    new CheckpointStore(database.runtimeDataSource()), AuditSettings.SIGNING_KEY_RELOAD_INTERVAL,
                    AuditSettings.SIGNING_KEY_GRACE);
            closeOnFailure.addFirst(checkpointKeyRotation);
            // Authorization and request bodies: every feature below uses them, tenant audit streams first.
            var auth = settings.auth();
            var permissions = new Permissions(new Authorizer(auth.authorization()), metrics.registry(), tracer);
            var bodies = new JsonBodies(json);
            // Audit delivery: the platform sinks from configuration and every tenant's own streams.
            var auditStreams = AuditStreams.create(transactions, permissions, bodies, masterKeys,
                    random, clock, tenantStreamPolicy(settings.tenantStreams()));
            closeOnFailure.addFirst(auditStreams);
            // Delivery's own pool: a stalled delivery must not hold the request path's connections.
            var deliveryStore = new DeliveryStore(database.deliveryDataSource());
            var delivery = new DeliveryLoop(database.deliveryDataSource(), deliveryStore,
                    DeliveryTargets.concat(List.of(DeliveryTargets.of(sinks), auditStreams.targets())), new DeliveryLoop.Settings(deliverySettings.batchSize(), deliverySettings.pollInterval(),
                            deliverySettings.backoffMin(), deliverySettings.backoffMax(), DeliverySettings.LEADER_RETRY),
                    new DeliveryMetrics(metrics.registry(), tenantLabels)).start();
            closeOnFailure.addFirst(delivery);
            var retentionJob = new AuditRetentionJob(
                    new Retention(database.retentionDataSource(), checkpointSigner,
                            AuditSettings.RETENTION_BATCH_SIZE),
                    database.runtimeDataSource(), transactions, auditSink, auditSettings.retentionDays(), clock,
                    metrics.registry(),
                    new RetentionHold(deliveryStore, deliverySettings.sinks(), transactions)::deliveredThrough, deliverySettings.maxHold()).start(auditSettings.retentionInterval());
            closeOnFailure.addFirst(retentionJob);
            // DDL no Timestore migration ran becomes a _platform security event.
            var schemaChanges = new SchemaChangeReporter(transactions, auditSink, clock, metrics.registry())
                    .start(settings.database().schemaWatchInterval());
            closeOnFailure.addFirst(schemaChanges);
            var problems = new Problems(json);
            var auditStep = new AuditStep(auditEvents, recorder,
                    new IdempotentRequests(new IdempotencyKeys(transactions, json, clock)), problems,
                    new AuditStep.Settings(auditSettings.maxWait(), auditSettings.recordDenied()), metrics.registry(), tracer);

            // Identity.
            var devIssuer = auth.devIssuerEnabled(embedded)
                    ? Optional.of(DevIssuer.load(keyFiles, auth.audience(), auth.claims(), clock))
                    : Optional.<DevIssuer>empty();
            // Rotated with `timestore keys rotate-dev-issuer-key`, picked up without restart.
            devIssuer.ifPresent(issuer -> closeOnFailure.addFirst(issuer.watch(DevIssuer.KEY_RELOAD_INTERVAL)));
            List<TrustedIssuer> extraIssuers = devIssuer.map(d -> List.of(d.trusted())).orElse(List.of());
            var tokenRecords = new TokenRecords(transactions, json);
            var lastUsed = new LastUsedBatcher(tokenRecords, AuthSettings.TOKEN_LAST_USED_FLUSH);
            closeOnFailure.addFirst(lastUsed);
            var apiTokens = new ApiTokens(masterKey.derive("api-token-pepper"), random);
            var signingKeys = SigningKeyRecords.create(transactions, masterKeys, random, json);
            var jwtVerifier = new JwtVerifier(auth.jwt(extraIssuers), clock);
            AuthMetrics.bind(metrics.registry(), jwtVerifier);
            var authenticator = new Authenticator(
                    jwtVerifier,
                    new ApiTokenAuthenticator(apiTokens, tokenRecords, lastUsed, clock),
                    new SignedRequestVerifier(signingKeys, new NonceRecords(transactions, clock), clock, auth.signedRequestWindow()));
            var tenantStatuses = new TenantStatuses(transactions, clock, auth.caches().tenantStatusTtl(),
                    auth.caches().tenantStatusMaxEntries());
            // Rate limits and quotas: this instance's buckets, each tenant's limits cached (docs/security.md).
            var rateLimits = new RateLimits(transactions, settings.limits(), clock, metrics.registry(), tenantLabels);
            // A tenant (or its limits) changed through another instance takes effect here at once (docs/scaling.md).
            var tenantChanges = new TenantChangeListener(database.runtimeDataSource(), List.of(tenantStatuses, rateLimits),
                    TenantChangeListener.RETRY).start();
            closeOnFailure.addFirst(tenantChanges);
            // Repeated authentication failures block a source address or credential (all instances).
            var blocks = new Blocks(transactions, auditSink, auth.blocking(), clock, metrics.registry()).start();
            closeOnFailure.addFirst(blocks);
            var gate = new Gate(authenticator, new TenantResolver(tenantStatuses),
                    auth.authorization().mode() == io.timestore.security.authz.AuthMode.LEGACY
                            && auth.authorization().unauthenticatedIngest(),
                    new SecurityTelemetry(metrics.registry(), tracer), blocks, rateLimits);

            // Features.
            var cursors = new Cursors(masterKey.derive("cursor-signing"));
            List<ReadinessCheck> readiness = List.of(
                    new BoundedReadiness(new DatabaseReadiness(database, settings.database().connectTimeout()), READINESS_PATIENCE),
                    new AuditReadiness(recorder));
            var groups = new ArrayList<RouteGroup>();
            groups.add(new OperationsRoutes(metrics, readiness, json, version));
            groups.add(new TenantRoutes(new TenantService(transactions, tenantStatuses), permissions, bodies, cursors));
            groups.add(new BlockRoutes(blocks, permissions, cursors, json));
            groups.add(new LimitRoutes(new LimitService(transactions, rateLimits, clock), settings.limits(), permissions, bodies));
            var datasets = new DatasetService(transactions, new DatasetStore(json), permissions);
            // API tokens and signing keys: one set of credential routes each, under one lifetime rule.
            var credentialExpiry = new CredentialExpiry(auth.tokenDefaultTtl(), auth.tokenMaxTtl());
            groups.add(new CredentialRoutes<>(new TokenRoutes(
                    new TokenService(transactions, tokenRecords, apiTokens, datasets, permissions, clock), json),
                    credentialExpiry, permissions, bodies, cursors));
            groups.add(new CredentialRoutes<>(new SigningKeyRoutes(
                    new SigningKeyService(transactions, signingKeys, permissions, random, clock), json),
                    credentialExpiry, permissions, bodies, cursors));
            groups.add(auditStreams.routes());
            var pointsSettings = settings.points();
            var pointsMetrics = new PointsMetrics(metrics.registry(), tenantLabels);
            groups.add(new DatasetRoutes(datasets, permissions, bodies, cursors));
            groups.add(new InfluxBucketRoutes(datasets, bodies));
            var points = new PointsService(transactions, datasets, pointsMetrics, rateLimits, pointsSettings.seriesCacheSize());
            groups.add(new PointsRoutes(datasets, points, bodies, pointsSettings, clock));
            var shares = new ShareService(transactions, datasets, permissions, tenantStatuses);
            groups.add(new ShareRoutes(shares, bodies));
            groups.add(new QueryRoutes(new QueryService(transactions, json.getFactory(), pointsMetrics, datasets, shares, cursors,
                    pointsSettings, clock), cursors, pointsSettings, clock));
            groups.add(new InfluxQlRoutes(new InfluxQlQueries(transactions, json.getFactory(), pointsMetrics, datasets, shares, pointsSettings,
                    settings.influxql(), clock)));
            groups.add(new AuditRoutes(transactions, permissions, cursors, json,
                    new SupportView(masterKey.derive("support-pseudonyms")),
                    new AuditVerification(database.runtimeDataSource(), new AuditJson(), List.of(checkpointKeyPair.getPublic()),
                            AuditVerification.KeyTrust.CONFIGURED_AND_STORED),
                    new CheckpointStore(database.runtimeDataSource())));
            groups.add(new LogRoutes(transactions, permissions, json, new CheckpointStore(database.runtimeDataSource()),
                    auditSettings.logName(), checkpointSigner::publicKey));
            groups.add(new RefreshRoutes(new RefreshService(transactions, datasets,
                    new RefreshMetrics(metrics.registry(), tenantLabels, clock, settings.telemetry().perTenantLimit())), datasets, bodies, cursors, clock));
            var retention = new PointsRetention(database.runtimeDataSource(), transactions, pointsSettings, clock).start();
            closeOnFailure.addFirst(retention);
            // The console: static files, the development sign-in, who-am-I (docs/console.md).
            groups.add(new ConsoleRoutes(new ConsoleRoutes.Options(devIssuer, devTokenTtl(auth),
                    auth.consoleClientId().map(id -> URI.create(auth.issuers().getFirst().issuer())), auth.consoleClientId()),
                    bodies, clock));
            var compactor = new PointsCompactor(database.runtimeDataSource(), transactions, pointsSettings.compaction(), clock,
                    metrics.registry()).start();
            closeOnFailure.addFirst(compactor);
            groups.addAll(additionalRoutes);

            var http = HttpServer.start(settings.http(), tls,
                    new HttpServer.Collaborators(problems, new RequestIds(clock, random), clock, random, metrics.registry(),
                            auditStep, gate, tracer, tracing.enabled()),
                    groups);
            var timestore = new Timestore(metrics, database, recorder, sequencer, retentionJob, schemaChanges, delivery, sinks, lastUsed, tenantChanges, retention, compactor, http, devIssuer,
                    settings.http().host(), tls, tracing, auditStreams, checkpointKeyRotation, blocks, masterKeys);
            if (tls.isEmpty()) {
                log.warn("serving plain HTTP: for local development only; configure server.tls.cert-file and server.tls.key-file");
            }
            tls.filter(TlsContext::development).ifPresent(context -> log.atWarn()
                    .addKeyValue("fingerprint_sha256", context.certificate().fingerprint())
                    .log("serving HTTPS with a self-signed development certificate (SHA-256 {}); not for production",
                            context.certificate().fingerprint()));
            log.atInfo()
                    .addKeyValue("version", version)
                    .addKeyValue("host", settings.http().host())
                    .addKeyValue("port", http.port())
                    .addKeyValue("database", database.target().maskedUrl())
                    .addKeyValue("dev_issuer", devIssuer.isPresent())
                    .log("Timestore {} listening on {} using {} at {}", version, timestore.baseUri(),
                            database.target().kind(), database.target().maskedUrl());
            return timestore;
        } catch (RuntimeException e) {
            for (var resource : closeOnFailure.reversed()) {
                closeQuietly(resource, e);
            }
            throw e;
        }
    }

    /** The development sign-in's token lifetime: as {@code timestore token}'s default. */
    private static java.time.Duration devTokenTtl(AuthSettings auth) {
        return auth.userMaxLifetime().compareTo(DevIssuer.MAX_TTL) < 0 ? auth.userMaxLifetime() : DevIssuer.MAX_TTL;
    }

    /** Where the console is served (docs/console.md). */
    public URI consoleUri() {
        return baseUri().resolve(ConsoleRoutes.PATH + "/");
    }

    public int port() {
        return http.port();
    }

    public URI baseUri() {
        var shownHost = host.contains(":") ? "[" + host + "]" : host;
        return URI.create((tls.isPresent() ? "https://" : "http://") + shownHost + ":" + http.port());
    }

    /** The listener's TLS, when it speaks HTTPS (its certificate, fingerprint, whether it is the development one). */
    public Optional<TlsContext> tls() {
        return tls;
    }

    public List<Route> routes() {
        return http.routes();
    }

    /** Every endpoint the HTTP server answers, however it was registered (for route-coverage checks). */
    public List<Route> servedRoutes() {
        return http.served();
    }

    public Database database() {
        return database;
    }

    /** The development issuer, when this server trusts one. */
    public Optional<DevIssuer> devIssuer() {
        return devIssuer;
    }

    public MeterRegistry registry() {
        return metrics.registry();
    }

    /** The points retention job, e.g. to run at once. */
    public PointsRetention pointsRetention() {
        return retention;
    }

    /** The points compactor, e.g. to run a pass at once. */
    public PointsCompactor compactor() {
        return compactor;
    }

    /** The audit retention job, e.g. to purge at once. */
    public AuditRetentionJob retention() {
        return retentionJob;
    }

    /** The schema-change reporter, e.g. to report at once instead of waiting for its interval. */
    public SchemaChangeReporter schemaChanges() {
        return schemaChanges;
    }

    /** Automatic blocking, e.g. to end expired blocks at once instead of waiting for the sweep. */
    public Blocks blocks() {
        return blocks;
    }

    /** The audit delivery loop, e.g. to read its cursors or wake it up. */
    public DeliveryLoop delivery() {
        return delivery;
    }

    /** The master keys that encrypt stored secrets, as this server holds them now. */
    public MasterKeys masterKeys() {
        return masterKeys;
    }

    /** The audit sequencer, e.g. to seal at once instead of waiting for its interval. */
    public Sequencer sequencer() {
        return sequencer;
    }

    /**
     * Stops accepting, lets in-flight requests finish (bounded), commits queued audit events,
     * closes the pool and stops PostgreSQL.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        log.info("shutting down: draining in-flight requests");
        try {
            drained = http.stop();
        } finally {
            try {
                auditRecorder.close(AuditSettings.SHUTDOWN_DRAIN);
                checkpointKeyRotation.close();
                devIssuer.ifPresent(DevIssuer::close);
                sequencer.close();
                delivery.close();
                SinkFactory.close(sinks);
                retentionJob.close();
                schemaChanges.close();
                blocks.close();
                lastUsed.close();
                tenantChanges.close();
                retention.close();
                compactor.close();
                auditStreams.close();
                masterKeys.close();
            } finally {
                try {
                    database.close();
                } finally {
                    tls.ifPresent(TlsContext::close);
                    metrics.close();
                    tracing.close();
                    log.info("shutdown complete");
                }
            }
        }
    }

    /**
     * After {@link #close()} returned: whether every in-flight request finished within the
     * shutdown timeout. False before {@code close()}, and when requests were cut off.
     */
    public boolean drainedCleanly() {
        return drained;
    }

    static ObjectMapper jsonMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    /**
     * The configured master key, or with an embedded database one generated into the data
     * directory on first start. An external database without a configured key is refused: a key
     * that lived only on one machine's disk would make the stored secrets unrecoverable elsewhere.
     */
    private static OutboundPolicy tenantStreamPolicy(TenantStreamSettings streams) {
        try {
            return new OutboundPolicy(streams.allowedHosts(), streams.allowHttp(), streams.allowPrivateAddresses());
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings("audit.tenant-streams.allowed-hosts", e.getMessage());
        }
    }

    /** Every tenant's active audit streams, for the delivery loop (issue #17). */
    public TenantStreamTargets tenantStreamTargets() {
        return auditStreams.targets();
    }

    private static MasterKey masterKey(Settings settings, KeyFiles keyFiles) {
        if (settings.masterKey().isPresent()) {
            return settings.masterKey().get();
        }
        if (!settings.database().embedded()) {
            throw new InvalidSettings("secrets.master-key",
                    "required with an external database (set TIMESTORE_MASTER_KEY to 32+ random bytes, base64)");
        }
        var text = keyFiles.readOrCreate(MASTER_KEY_FILE, () -> {
            var bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            return Base64.getEncoder().encodeToString(bytes);
        });
        return new MasterKey(Base64.getDecoder().decode(text));
    }

    /**
     * The Ed25519 key that signs audit checkpoints: from audit.signing-key-file, or with an
     * embedded database generated into the data directory on first start.
     */
    public static KeyPair checkpointKeys(Settings settings, KeyFiles keyFiles) {
        return checkpointKeys(settings, () -> keyFiles.readOrCreate(CHECKPOINT_KEY_FILE,
                () -> CheckpointKeys.toFileText(CheckpointKeys.generate(new SecureRandom()))));
    }

    /**
     * The master keys a server made or was configured with, for the {@code keys} commands that
     * rotate them and re-encrypt secrets: never generated here, since a new key would open nothing
     * the server sealed.
     *
     * @throws InvalidSettings when there is no master key (none configured, none in the data directory)
     */
    public static MasterKeys existingMasterKeys(Settings settings) {
        var keyFiles = new KeyFiles(settings.dataDir());
        var root = settings.masterKey().orElseGet(() -> {
            if (!settings.database().embedded()) {
                throw new InvalidSettings("secrets.master-key", "required with an external database (the server's TIMESTORE_MASTER_KEY)");
            }
            return new MasterKey(Base64.getDecoder().decode(keyFiles.read(MASTER_KEY_FILE).orElseThrow(() -> new InvalidSettings(
                    "data-dir", "no master key at %s; pass --data-dir naming the server's data directory"
                            .formatted(keyFiles.path(MASTER_KEY_FILE).toAbsolutePath().normalize())))));
        });
        return MasterKeys.load(root, masterKeyFile(settings, keyFiles));
    }

    /** {@code secrets.master-key-file}, or with the embedded database {@code <data-dir>/keys/master-keys}. */
    private static Optional<Path> masterKeyFile(Settings settings, KeyFiles keyFiles) {
        return settings.masterKeyFile().or(() -> settings.database().embedded()
                ? Optional.of(keyFiles.path(MasterKeys.FILE_NAME)) : Optional.empty());
    }

    /**
     * The checkpoint key a server made or was configured with, for commands that verify or sign
     * with it ({@code audit verify|purge}): never generated here, since a new key would verify
     * nothing the server signed.
     *
     * @throws InvalidSettings when the data directory has no checkpoint key
     */
    public static KeyPair existingCheckpointKeys(Settings settings, KeyFiles keyFiles) {
        return checkpointKeys(settings, () -> keyFiles.read(CHECKPOINT_KEY_FILE).orElseThrow(() -> new InvalidSettings(
                "data-dir", "no audit checkpoint key at %s; pass --data-dir naming the server's data directory, or set audit.signing-key-file"
                        .formatted(keyFiles.path(CHECKPOINT_KEY_FILE).toAbsolutePath().normalize()))));
    }

    private static KeyPair checkpointKeys(Settings settings, java.util.function.Supplier<String> embeddedKey) {
        var configured = settings.audit().signingKeyFile();
        if (configured.isPresent()) {
            try {
                return CheckpointKeys.fromFileText(Files.readString(configured.get()));
            } catch (IOException | IllegalArgumentException e) {
                throw new InvalidSettings("audit.signing-key-file", "cannot read an Ed25519 key pair from %s (%s)"
                        .formatted(configured.get(), e.getClass().getSimpleName()));
            }
        }
        if (!settings.database().embedded()) {
            throw new InvalidSettings("audit.signing-key-file",
                    "required with an external database: the checkpoint key must be the same on every instance");
        }
        return CheckpointKeys.fromFileText(embeddedKey.get());
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

    private static void closeQuietly(AutoCloseable resource, Exception cause) {
        try {
            resource.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
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

    /** Ready unless the last audit commit failed: then no success could be acknowledged (G4). */
    private record AuditReadiness(GroupCommitRecorder recorder) implements ReadinessCheck {
        @Override
        public String name() {
            return "audit";
        }

        @Override
        public boolean ready() {
            return recorder.healthy();
        }
    }
}
