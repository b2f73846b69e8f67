package io.timestore.server.authz;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A valid request for every route of the authorization matrix, so that its status reflects
 * authorization alone. Routes that change or delete what they target get a fresh target per call.
 */
final class MatrixCalls {
    /**
     * One request. {@code dataset} is the acme dataset it targets (for the API token columns), or
     * null for a tenant-level route.
     */
    record Call(String method, String path, String body, String contentType, String dataset, List<String> headers) {
        static Call get(String path, String dataset) {
            return new Call("GET", path, null, null, dataset, List.of());
        }

        static Call delete(String path, String dataset) {
            return new Call("DELETE", path, null, null, dataset, List.of());
        }

        static Call json(String method, String path, String body, String dataset) {
            return new Call(method, path, body, "application/json", dataset, List.of());
        }
    }

    private static final String POINTS = "{\"points\": [{\"measurement\": \"m\", \"fields\": {\"v\": 3}, \"time\": 3}]}";

    static final Map<String, Function<MatrixFixture, Call>> CALLS = new TreeMap<>(Map.ofEntries(
            Map.entry("POST /admin/v1/tenants", f -> Call.json("POST", "/admin/v1/tenants",
                    "{\"id\": \"%s\", \"name\": \"New\"}".formatted(f.fresh("tenant")), null)),
            Map.entry("GET /admin/v1/tenants", f -> Call.get("/admin/v1/tenants", null)),
            Map.entry("GET /admin/v1/tenants/{tenant}", f -> Call.get("/admin/v1/tenants/acme", null)),
            Map.entry("PATCH /admin/v1/tenants/{tenant}", f -> Call.json("PATCH", "/admin/v1/tenants/target",
                    "{\"name\": \"Target\"}", null)),
            Map.entry("GET /admin/v1/tenants/{tenant}/limits", f -> Call.get("/admin/v1/tenants/acme/limits", null)),
            Map.entry("PUT /admin/v1/tenants/{tenant}/limits", f -> Call.json("PUT", "/admin/v1/tenants/target/limits",
                    "{\"max_series\": 1000000}", null)),
            Map.entry("DELETE /admin/v1/tenants/{tenant}/limits", f -> Call.delete("/admin/v1/tenants/target/limits", null)),
            Map.entry("GET /admin/v1/blocks", f -> Call.get("/admin/v1/blocks", null)),
            // No block is in force: an operator is authorized and then finds none (404).
            Map.entry("DELETE /admin/v1/blocks/{block}", f -> Call.delete("/admin/v1/blocks/" + java.util.UUID.randomUUID(), null)),
            Map.entry("POST /admin/v1/tokens", f -> Call.json("POST", "/admin/v1/tokens",
                    "{\"name\": \"%s\", \"permissions\": [{\"action\": \"dataset:admin\"}]}"
                            .formatted(f.fresh("minted")), null)),
            Map.entry("GET /admin/v1/tokens", f -> Call.get("/admin/v1/tokens", null)),
            Map.entry("DELETE /admin/v1/tokens/{id}", f -> Call.delete("/admin/v1/tokens/" + f.freshTokenId(), null)),
            Map.entry("POST /admin/v1/signing-keys", f -> Call.json("POST", "/admin/v1/signing-keys",
                    "{\"name\": \"%s\", \"roles\": [\"tenant-admin\"]}".formatted(f.fresh("key")), null)),
            Map.entry("GET /admin/v1/signing-keys", f -> Call.get("/admin/v1/signing-keys", null)),
            Map.entry("DELETE /admin/v1/signing-keys/{id}", f -> Call.delete("/admin/v1/signing-keys/" + f.freshSigningKeyId(), null)),
            Map.entry("POST /admin/v1/audit-streams", f -> Call.json("POST", "/admin/v1/audit-streams",
                    "{\"name\": \"%s\", \"url\": \"%s\"}".formatted(f.fresh("stream"), MatrixFixture.STREAM_URL), null)),
            Map.entry("GET /admin/v1/audit-streams", f -> Call.get("/admin/v1/audit-streams", null)),
            Map.entry("POST /admin/v1/audit-streams/{id}/pause", f -> Call.json("POST",
                    "/admin/v1/audit-streams/%s/pause".formatted(f.sharedStreamId()), "", null)),
            Map.entry("POST /admin/v1/audit-streams/{id}/resume", f -> Call.json("POST",
                    "/admin/v1/audit-streams/%s/resume".formatted(f.sharedStreamId()), "", null)),
            Map.entry("POST /admin/v1/audit-streams/{id}/test", f -> Call.json("POST",
                    "/admin/v1/audit-streams/%s/test".formatted(f.sharedStreamId()), "", null)),
            Map.entry("DELETE /admin/v1/audit-streams/{id}", f -> Call.delete("/admin/v1/audit-streams/" + f.freshStreamId(), null)),
            Map.entry("POST /storage/v1/datasets", f -> Call.json("POST", "/storage/v1/datasets",
                    "{\"id\": \"%s\"}".formatted(f.fresh("new")), null)),
            Map.entry("GET /storage/v1/datasets", f -> Call.get("/storage/v1/datasets", null)),
            Map.entry("GET /storage/v1/datasets/{dataset}", f -> Call.get("/storage/v1/datasets/cpu", "cpu")),
            Map.entry("PATCH /storage/v1/datasets/{dataset}", f -> {
                var id = f.freshDataset();
                return new Call("PATCH", "/storage/v1/datasets/" + id, "{\"description\": \"changed\"}", "application/json", id,
                        List.of("If-Match", "\"1\""));
            }),
            Map.entry("DELETE /storage/v1/datasets/{dataset}", f -> {
                var id = f.freshDataset();
                return Call.delete("/storage/v1/datasets/" + id, id);
            }),
            Map.entry("GET /storage/v1/datasets/{dataset}/shares", f -> Call.get("/storage/v1/datasets/cpu/shares", "cpu")),
            Map.entry("POST /storage/v1/datasets/{dataset}/shares", f -> {
                var id = f.freshDataset();
                return Call.json("POST", "/storage/v1/datasets/%s/shares".formatted(id),
                        "{\"tenant\": \"globex\", \"scope\": \"x.read\", \"rationale\": \"r\", \"owner\": \"o\"}", id);
            }),
            Map.entry("DELETE /storage/v1/datasets/{dataset}/shares/{tenant}", f -> {
                var id = f.freshDataset();
                f.share("acme", id, "globex");
                return Call.delete("/storage/v1/datasets/%s/shares/globex".formatted(id), id);
            }),
            Map.entry("POST /storage/v1/datasets/{dataset}/points", f -> Call.json("POST", "/storage/v1/datasets/cpu/points",
                    POINTS, "cpu")),
            Map.entry("POST /api/v2/write", f -> new Call("POST", "/api/v2/write?org=acme&bucket=cpu", "m v=4i 4",
                    "text/plain; charset=utf-8", "cpu", List.of())),
            Map.entry("POST /write", f -> new Call("POST", "/write?db=cpu", "m v=5i 5", "text/plain; charset=utf-8", "cpu", List.of())),
            Map.entry("POST /api/v2/delete", f -> Call.json("POST", "/api/v2/delete?org=acme&bucket=cpu",
                    "{\"start\": \"1970-01-01T00:00:00Z\", \"stop\": \"1970-01-01T00:00:00Z\"}", "cpu")),
            Map.entry("GET /api/v2/buckets", f -> Call.get("/api/v2/buckets", null)),
            Map.entry("GET /api/v2/orgs", f -> Call.get("/api/v2/orgs", null)),
            Map.entry("GET /storage/v1/datasets/{dataset}/query", f -> Call.get("/storage/v1/datasets/cpu/query", "cpu")),
            Map.entry("GET /query", f -> Call.get("/query?db=cpu&q=SHOW%20MEASUREMENTS", "cpu")),
            Map.entry("POST /query", f -> new Call("POST", "/query?db=cpu", "q=SHOW%20FIELD%20KEYS", "application/x-www-form-urlencoded",
                    "cpu", List.of())),
            Map.entry("GET /storage/v1/datasets/{dataset}/series", f -> Call.get("/storage/v1/datasets/cpu/series", "cpu")),
            Map.entry("GET /storage/v1/shared/{owner}/datasets/{dataset}/query",
                    f -> Call.get("/storage/v1/shared/globex/datasets/gdata/query", "gdata")),
            Map.entry("GET /storage/v1/shared/{owner}/datasets/{dataset}/series",
                    f -> Call.get("/storage/v1/shared/globex/datasets/gdata/series", "gdata")),
            Map.entry("POST /storage-internal/v1/datasets/{dataset}/refresh-state", f -> Call.json("POST",
                    "/storage-internal/v1/datasets/cpu/refresh-state",
                    "{\"run_id\": \"%s\", \"state\": \"pending\"}".formatted(f.fresh("run")), "cpu")),
            Map.entry("GET /storage/v1/datasets/{dataset}/refresh-state", f -> Call.get("/storage/v1/datasets/cpu/refresh-state", "cpu")),
            Map.entry("GET /storage/v1/datasets/{dataset}/refresh-runs", f -> Call.get("/storage/v1/datasets/cpu/refresh-runs", "cpu")),
            Map.entry("GET /api/audit/v1alpha1/events", f -> Call.get("/api/audit/v1alpha1/events", null)),
            Map.entry("GET /api/audit/v1alpha1/events/{event_id}", f -> Call.get("/api/audit/v1alpha1/events/" + f.eventId(), null)),
            Map.entry("GET /api/audit/v1alpha1/checkpoints", f -> Call.get("/api/audit/v1alpha1/checkpoints", null)),
            Map.entry("GET /api/audit/v1alpha1/verify", f -> Call.get("/api/audit/v1alpha1/verify", null)),
            Map.entry("GET /api/audit/v1alpha1/events/{event_id}/leaf", f -> Call.get("/api/audit/v1alpha1/events/" + f.eventId() + "/leaf", null)),
            Map.entry("GET /api/audit/v1alpha1/events/{event_id}/receipt",
                    f -> Call.get("/api/audit/v1alpha1/events/" + f.eventId() + "/receipt", null)),
            Map.entry("GET /api/audit/v1alpha1/log/checkpoint", f -> Call.get("/api/audit/v1alpha1/log/checkpoint", null)),
            Map.entry("GET /api/audit/v1alpha1/log/keys", f -> Call.get("/api/audit/v1alpha1/log/keys", null)),
            Map.entry("GET /api/audit/v1alpha1/log/inclusion",
                    f -> Call.get("/api/audit/v1alpha1/log/inclusion?event_id=" + f.eventId(), null)),
            Map.entry("GET /api/audit/v1alpha1/log/consistency", f -> Call.get("/api/audit/v1alpha1/log/consistency?size1=1&size2=1", null)),
            Map.entry("GET /admin/v1/whoami", f -> Call.get("/admin/v1/whoami", null)),
            Map.entry("POST /console/v1/dev-sign-in", f -> Call.json("POST", "/console/v1/dev-sign-in",
                    "{\"subject\": \"matrix\", \"tenant\": \"acme\", \"roles\": [\"reader\"]}", null))));

    private MatrixCalls() {}
}
