package io.timestore.server.authz;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.TimestoreServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The data the authorization matrix runs on, made through the API as the owners would: tenant
 * {@code acme} with datasets {@code cpu}, {@code elsewhere} and {@code gdata} (tokens name only
 * existing datasets: the {@code tok-} token names elsewhere, a shared read's {@code tok+} token
 * gdata), tenant {@code globex} with dataset {@code gdata} shared with {@code acme}, and the
 * credentials of every caller column.
 */
final class MatrixFixture {
    static final String SHARE_SCOPE = "globex.gdata.read";
    private static final List<String> DATASET_ACTIONS = List.of("dataset:read", "dataset:write", "dataset:admin",
            "refresh:read", "refresh:write");
    private static final List<String> TENANT_ACTIONS = List.of("dataset:read", "dataset:admin", "audit:list",
            "audit:get");

    private final TimestoreServer server;
    private final AtomicInteger fresh = new AtomicInteger();
    private final Map<String, String[]> callers = new HashMap<>();
    private final Map<String, String> tokens = new HashMap<>();
    private final String eventId;

    MatrixFixture(TimestoreServer server) {
        this.server = server;
        dataset("acme", "cpu");
        dataset("acme", "elsewhere");
        // acme's own gdata, so the tok+ token of a shared read can name the dataset it targets: a
        // token naming acme's gdata must still not read globex's gdata through the share.
        dataset("acme", "gdata");
        expect(server.api().postJson("/storage/v1/datasets/cpu/points",
                "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 1}, \"time\": 1}]}", admin("acme")), 204);
        dataset("globex", "gdata");
        expect(server.api().postJson("/storage/v1/datasets/gdata/points",
                "{\"points\": [{\"measurement\": \"g\", \"fields\": {\"v\": 2}, \"time\": 2}]}", admin("globex")), 204);
        share("globex", "gdata", "acme");
        eventId = new AuditLog(server).eventsOf("acme").getFirst().get("event_id").asText();
        // An event in the platform partition too (an operator acting on the platform), then one
        // sealing round: every partition the callers read has a signed tree checkpoint.
        server.api().get("/admin/v1/tenants", bearer(server.tokens().platformOperator()));
        try {
            server.timestore().sequencer().sealNow().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the sequencer did not seal", e);
        }
    }

    TimestoreServer server() {
        return server;
    }

    String eventId() {
        return eventId;
    }

    /** A name no other call used. */
    String fresh(String prefix) {
        return prefix + "-" + fresh.incrementAndGet();
    }

    String[] admin(String tenant) {
        return bearer(server.tokens().user(tenant, "tenant-admin"));
    }

    /** A new dataset of acme, for a call that changes or deletes it. */
    String freshDataset() {
        var id = fresh("d");
        dataset("acme", id);
        return id;
    }

    void dataset(String tenant, String id) {
        expect(server.api().postJson("/storage/v1/datasets", "{\"id\": \"%s\"}".formatted(id), admin(tenant)), 201);
    }

    void share(String owner, String dataset, String grantee) {
        expect(server.api().postJson("/storage/v1/datasets/%s/shares".formatted(dataset), """
                {"tenant": "%s", "scope": "%s", "rationale": "matrix", "owner": "team-matrix"}
                """.formatted(grantee, SHARE_SCOPE), admin(owner)), 201);
    }

    /** A new API token of acme, returning its id. */
    String freshTokenId() {
        var response = expect(server.api().postJson("/admin/v1/tokens",
                "{\"name\": \"%s\", \"permissions\": [{\"action\": \"dataset:read\"}]}".formatted(fresh("t")), admin("acme")), 201);
        return response.json().get("id").asText();
    }

    /**
     * A public-looking https endpoint (TEST-NET-1, never routed): valid under the default SSRF policy;
     * a test delivery to it reports that it could not be reached.
     */
    static final String STREAM_URL = "https://192.0.2.1/hook";
    private String sharedStream;

    /** One acme audit stream for the routes that do not consume their target (pause, resume, test). */
    String sharedStreamId() {
        if (sharedStream == null) {
            sharedStream = freshStreamId();
        }
        return sharedStream;
    }

    String freshStreamId() {
        var response = expect(server.api().postJson("/admin/v1/audit-streams",
                "{\"name\": \"%s\", \"url\": \"%s\"}".formatted(fresh("s"), STREAM_URL), admin("acme")), 201);
        return response.json().get("id").asText();
    }

    String freshSigningKeyId() {
        var response = expect(server.api().postJson("/admin/v1/signing-keys",
                "{\"name\": \"%s\", \"roles\": [\"tenant-admin\"]}".formatted(fresh("k")), admin("acme")), 201);
        return response.json().get("id").asText();
    }

    /** The headers of caller column {@code column} for {@code call}. */
    String[] caller(String column, MatrixCalls.Call call) {
        return switch (column) {
            case "tok+" -> token(call.dataset(), call.dataset());
            case "tok-" -> token(call.dataset(), "elsewhere");
            default -> callers.computeIfAbsent(column, this::jwtCaller);
        };
    }

    private String[] jwtCaller(String column) {
        var tokens = server.tokens();
        return switch (column) {
            case "anon" -> new String[0];
            case "rdr" -> bearer(tokens.user("acme", "reader"));
            case "wrt" -> bearer(tokens.user("acme", "writer"));
            case "rtw" -> bearer(tokens.user("acme", "runtime-writer"));
            case "aud" -> bearer(tokens.user("acme", "auditor"));
            case "sup" -> bearer(tokens.user("acme", "support"));
            case "adm" -> bearer(tokens.user("acme", "tenant-admin"));
            case "s-r" -> bearer(tokens.scoped("acme", "timestore.read"));
            case "s-w" -> bearer(tokens.scoped("acme", "timestore.write"));
            case "s-rw" -> bearer(tokens.scoped("acme", "timestore.refresh.write"));
            case "s-au" -> bearer(tokens.scoped("acme", "timestore.audit.read"));
            case "s-ad" -> bearer(tokens.scoped("acme", "timestore.admin"));
            case "other" -> bearer(tokens.user("globex", "tenant-admin"));
            case "op+" -> new String[] {"Authorization", "Bearer " + tokens.platformOperator(), "X-Tenant-ID", "acme"};
            case "op-" -> bearer(tokens.platformOperator());
            case "lq" -> bearer(tokens.scoped("acme", "timestore.query"));
            case "la" -> new String[] {"X-Tenant-ID", "acme"};
            case "shr" -> bearer(tokens.scoped("acme", SHARE_SCOPE));
            default -> throw new IllegalArgumentException("no caller column " + column);
        };
    }

    /**
     * An acme API token: for a dataset route, the dataset actions naming {@code named}; for a
     * tenant route ({@code target} null), the tenant actions on all datasets, or, when
     * {@code named} is given, naming that dataset only (which grants no tenant action).
     */
    private String[] token(String target, String named) {
        var key = target + "->" + named;
        var token = tokens.computeIfAbsent(key, k -> {
            var actions = target == null ? TENANT_ACTIONS : DATASET_ACTIONS;
            var datasets = named == null ? "" : ", \"datasets\": [\"%s\"]".formatted(named);
            var permissions = String.join(", ", actions.stream()
                    .map(action -> "{\"action\": \"%s\"%s}".formatted(action, datasets)).toList());
            var response = expect(server.api().postJson("/admin/v1/tokens",
                    "{\"name\": \"%s\", \"permissions\": [%s]}".formatted(fresh("matrix"), permissions), admin("acme")), 201);
            return response.json().get("token").asText();
        });
        return new String[] {"Authorization", "Token " + token};
    }

    static ApiResponse expect(ApiResponse response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return response;
    }
}
