package io.timestore.examples.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditJson;
import io.timestore.audit.AuditUnavailable;
import io.timestore.audit.Details;
import io.timestore.audit.EventIds;
import io.timestore.audit.Severity;
import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.store.GroupCommitRecorder;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.security.AuthenticationFailure;
import io.timestore.security.Authenticator;
import io.timestore.security.CredentialRequest;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.security.TenantId;
import io.timestore.security.TenantResolver;
import io.timestore.security.TenantStatus;
import io.timestore.security.jwt.JwtSettings;
import io.timestore.security.jwt.JwtVerifier;
import io.timestore.security.signed.SignedRequestVerifier;
import io.timestore.security.tokens.ApiTokenAuthenticator;
import io.timestore.security.tokens.ApiTokens;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal second service embedding Timestore's libraries (docs/embedding.md): a notes API whose
 * every request is authenticated and confined to one tenant by {@code timestore-security}, and
 * recorded exactly once, durably, in a sealed and verifiable audit trail by {@code timestore-audit}.
 * The composition root: every object is created here with its constructor.
 *
 * <p>Routes: {@code GET /v1/notes} (role {@code reader}) lists the tenant's notes;
 * {@code POST /v1/notes} (role {@code writer}) with {@code {"body": "..."}} adds one. Every answer
 * carries {@code X-Request-ID} and, when its event is durable, {@code Audit-Event-Id}.
 *
 * <p>The audit rules it keeps are Timestore's (docs/architecture.md §1): one event per request,
 * successes, denials, 404s and 500s alike (G3); no answer is sent before its event is durable: a
 * mutation commits its event in its own transaction, everything else waits for the group commit,
 * and when audit cannot persist the caller gets 503 {@code audit_unavailable}, never 2xx (G4).
 */
public final class NotesService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NotesService.class);
    private static final String COMPONENT = "notes";
    private static final int MAX_BODY_BYTES = 64 * 1024;

    /**
     * @param address       where to listen (port 0 for any free port)
     * @param jwt           the trusted issuers and audience: the same settings type Timestore's
     *                      {@code jwt.*} configuration builds
     * @param tenants       the active tenants; a real service asks its tenant registry
     * @param runtime       connections as the runtime role (never the schema owner)
     * @param checkpointKey the Ed25519 key that signs the trail's checkpoints
     * @param logName       the log name of the trail's tree checkpoints (docs/transparency-log.md)
     * @param auditMaxWait  how long a request waits for its event's group commit before 503
     * @param sealing       how the sequencer paces itself
     */
    public record Settings(InetSocketAddress address, JwtSettings jwt, Set<TenantId> tenants, DataSource runtime,
            KeyPair checkpointKey, String logName, Duration auditMaxWait, Sequencer.Settings sealing) {
        public Settings {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(jwt, "jwt");
            tenants = Set.copyOf(tenants);
            Objects.requireNonNull(runtime, "runtime");
            Objects.requireNonNull(checkpointKey, "checkpointKey");
            Objects.requireNonNull(logName, "logName");
            Objects.requireNonNull(auditMaxWait, "auditMaxWait");
            Objects.requireNonNull(sealing, "sealing");
        }
    }

    private final Settings settings;
    private final InstantSource clock;
    private final ObjectMapper json = new ObjectMapper();
    private final Authenticator authenticator;
    private final TenantResolver tenants;
    private final PostgresEventStore events;
    private final GroupCommitRecorder recorder;
    private final Sequencer sequencer;
    private final NotesStore notes;
    private final HttpServer server;

    private NotesService(Settings settings, InstantSource clock) throws IOException {
        this.settings = settings;
        this.clock = clock;
        // JWTs only: the API-token and signed-request schemes are wired to stores that know no
        // credential, so such a request is refused (token_invalid, key_unknown) like an unknown one.
        var random = new SecureRandom();
        var pepper = new byte[32];
        random.nextBytes(pepper);
        this.authenticator = new Authenticator(
                new JwtVerifier(settings.jwt(), clock),
                new ApiTokenAuthenticator(new ApiTokens(pepper, random), id -> Optional.empty(), (id, at) -> {}, clock),
                new SignedRequestVerifier(id -> Optional.empty(), (id, nonce, until) -> false, clock,
                        SignedRequestVerifier.DEFAULT_WINDOW));
        this.tenants = new TenantResolver(tenant -> settings.tenants().contains(tenant) ? TenantStatus.ACTIVE : TenantStatus.UNKNOWN);
        var auditJson = new AuditJson();
        this.events = new PostgresEventStore(settings.runtime(), auditJson);
        this.recorder = new GroupCommitRecorder(events, 10_000, 500, GroupCommitRecorder.Observer.NONE);
        var key = settings.checkpointKey();
        this.sequencer = new Sequencer(settings.runtime(), auditJson, new CheckpointSigner(key, clock), key.getPublic(),
                settings.logName(), clock, settings.sealing(), Sequencer.Observer.NONE).start();
        this.notes = new NotesStore(settings.runtime());
        this.server = HttpServer.create(settings.address(), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    /** Starts the service: its HTTP server, group-commit writer and sequencer. */
    public static NotesService start(Settings settings, InstantSource clock) throws IOException {
        return new NotesService(Objects.requireNonNull(settings, "settings"), Objects.requireNonNull(clock, "clock"));
    }

    /** The port the service listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Runs a sealing round now (the sequencer also runs every {@code sealing.sealInterval}). */
    public CompletableFuture<Sequencer.Round> sealNow() {
        return sequencer.sealNow();
    }

    @Override
    public void close() {
        server.stop(0);
        recorder.close();
        sequencer.close();
    }

    /** A route: the action it audits and the role it needs. */
    private record Route(String action, String role) {}

    private static Optional<Route> route(Call call) {
        if (!call.path().equals("/v1/notes")) {
            return Optional.empty();
        }
        return switch (call.method()) {
            case "GET" -> Optional.of(new Route("notes:read", "reader"));
            case "POST" -> Optional.of(new Route("notes:write", "writer"));
            default -> Optional.empty();
        };
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            var call = Call.of(exchange, clock.instant());
            byte[] body = exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
            send(exchange, call, serve(call, body));
        }
    }

    /**
     * Answers one request and makes its one audit event durable before the answer leaves. Every
     * path ends in exactly one event: the mutation's own (committed with it) or the one recorded here.
     */
    private Answer serve(Call call, byte[] body) {
        var route = route(call);
        if (route.isEmpty()) {
            // Like Timestore's unmatched routes: no tenant is resolved, the event goes to _platform.
            return recorded(event(call, AuditEvent.PLATFORM_PARTITION, null, "http:unmatched", "http", Reply.notFound(call)));
        }
        Principal principal = null;
        String partition = AuditEvent.PLATFORM_PARTITION;
        Reply reply;
        try {
            principal = authenticator.authenticate(CredentialRequest.ofAuthorization(call.authorization()));
            SecurityContext context = tenants.resolve(principal, call.tenantHeader(), call.requestId(), call.traceId());
            partition = context.tenant().value();
            if (!principal.hasRole(route.get().role())) {
                throw Refusal.missingRole(route.get().role());
            }
            if (call.method().equals("POST")) {
                return create(call, context, body);
            }
            reply = list(context);
        } catch (AuthenticationFailure failure) {
            reply = Reply.authenticationFailed(failure, call);
        } catch (Refusal refusal) {
            reply = Reply.refused(refusal, call);
        } catch (AuditUnavailable unavailable) {
            log.error("audit_unavailable: {}", unavailable.getMessage());
            return new Answer(Reply.auditUnavailable(call), null);
        } catch (SQLException | RuntimeException failure) {
            log.error("unexpected failure handling {} {} (request_id={})", call.method(), call.path(), call.requestId(), failure);
            reply = Reply.internalError(call);
        }
        return recorded(event(call, partition, principal, route.get().action(), COMPONENT, reply));
    }

    private Reply list(SecurityContext context) throws SQLException {
        var items = json.createArrayNode();
        for (var note : notes.list(context.tenant())) {
            items.addObject().put("id", note.id().toString()).put("body", note.body());
        }
        ObjectNode page = json.createObjectNode();
        page.set("items", items);
        return Reply.json(200, page, null);
    }

    /** The mutation and its event commit in one transaction: both or neither (G4). */
    private Answer create(Call call, SecurityContext context, byte[] body) throws SQLException {
        String text = noteText(body);
        var tenant = context.tenant();
        var reply = notes.inTenant(tenant, transaction -> {
            var note = NotesStore.insert(transaction, tenant, text);
            ObjectNode created = json.createObjectNode().put("id", note.id().toString()).put("body", note.body());
            var answer = Reply.json(201, created, note.id().toString());
            events.append(transaction, event(call, tenant.value(), context.principal(), "notes:write", COMPONENT, answer).event());
            return answer;
        });
        return new Answer(reply, EventIds.forRequest(tenant.value(), call.uid().toString()).toString());
    }

    private String noteText(byte[] body) {
        if (body.length > MAX_BODY_BYTES) {
            throw Refusal.invalid("the body exceeds " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode document;
        try {
            document = json.readTree(body);
        } catch (IOException e) {
            throw Refusal.invalid("the body is not JSON");
        }
        if (document == null || !document.path("body").isTextual() || document.path("body").asText().isBlank()) {
            throw Refusal.invalid("the body must be a JSON object with a non-blank string member \"body\"");
        }
        return document.path("body").asText();
    }

    /** An event not yet stored, with the reply it describes. */
    private record Pending(Call call, AuditEvent event, Reply reply) {}

    /** A reply ready to send and the id of its durable event ({@code null} when none could be stored). */
    private record Answer(Reply reply, String eventId) {}

    /** Waits for the group commit of a request's event; the reply leaves only once it is durable (G4). */
    private Answer recorded(Pending pending) {
        try {
            var recorded = recorder.recordAndWait(pending.event(), settings.auditMaxWait());
            return new Answer(pending.reply(), recorded.eventId().toString());
        } catch (AuditUnavailable unavailable) {
            log.error("audit_unavailable: {}", unavailable.getMessage());
            return new Answer(Reply.auditUnavailable(pending.call()), null);
        }
    }

    /** The request's one event; its id derives from the partition and the service-generated uid. */
    private static Pending event(Call call, String partition, Principal principal, String action, String component, Reply reply) {
        var eventId = EventIds.forRequest(partition, call.uid().toString());
        var actor = principal == null ? AuditEvent.Actor.anonymous() : new AuditEvent.Actor(principal.subject(),
                switch (principal.kind()) {
                    case USER -> AuditEvent.ActorType.USER;
                    case SERVICE -> AuditEvent.ActorType.SERVICE;
                    case API_TOKEN -> AuditEvent.ActorType.API_TOKEN;
                },
                List.copyOf(principal.roles()), List.copyOf(principal.scopes()), List.copyOf(principal.groups()),
                principal.authMethod().label());
        AuditEvent.Outcome outcome = !reply.isProblem() ? AuditEvent.Outcome.succeeded(reply.status())
                : new AuditEvent.Outcome(reply.status() == 401 || reply.status() == 403 ? AuditEvent.Result.DENIED
                        : AuditEvent.Result.FAILED, reply.status(), reply.error());
        var event = new AuditEvent(eventId, partition, call.receivedAt(), call.requestId(), call.traceId(), actor,
                new AuditEvent.Operation(action, component, "note", reply.resourceId(), null), outcome, null,
                new AuditEvent.Request(call.method(), call.path(), call.sourceIp(), call.userAgent()),
                Details.empty(), Severity.of(outcome), null);
        return new Pending(call, event, reply);
    }

    private void send(HttpExchange exchange, Call call, Answer answer) throws IOException {
        var headers = exchange.getResponseHeaders();
        for (Map.Entry<String, String> header : answer.reply().headers().entrySet()) {
            headers.set(header.getKey(), header.getValue());
        }
        headers.set("X-Request-ID", call.requestId());
        if (answer.eventId() != null) {
            headers.set("Audit-Event-Id", answer.eventId());
        }
        byte[] bytes = json.writeValueAsBytes(answer.reply().body());
        exchange.sendResponseHeaders(answer.reply().status(), bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
