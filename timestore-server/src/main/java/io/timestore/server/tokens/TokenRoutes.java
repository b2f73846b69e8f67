package io.timestore.server.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.security.SecurityContext;
import io.timestore.security.TokenPermission;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.credentials.CreatedCredential;
import io.timestore.server.credentials.CredentialKind;
import io.timestore.server.credentials.CredentialLifecycle;
import io.timestore.server.credentials.CredentialRoutes;
import io.timestore.server.credentials.NewCredential;
import io.timestore.server.datasets.DatasetId;
import io.timestore.server.http.Listing;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/tokens}: a tenant's API tokens (action {@code token:manage}). The routes, the
 * name, expiry, listing and revocation are every credential kind's ({@link CredentialRoutes});
 * here are the token's permissions: which may be granted, how they are read and shown.
 */
public final class TokenRoutes implements CredentialKind<List<TokenPermission>, TokenRecords.Listed> {
    /** What a token may be granted: never token or tenant administration. */
    static final Set<String> GRANTABLE = Set.of("dataset:read", "dataset:write", "dataset:admin", "refresh:read",
            "refresh:write", "audit:list", "audit:get");
    private static final Names NAMES = new Names("/admin/v1/tokens", "token", "token", "token", Listing.API_TOKENS,
            Pattern.compile("[0-9a-f]{24}"), "24 lower-case hex characters");

    private final TokenService service;
    private final ObjectMapper mapper;

    /** @param mapper renders the listing's items */
    public TokenRoutes(TokenService service, ObjectMapper mapper) {
        this.service = service;
        this.mapper = mapper;
    }

    @Override
    public Names names() {
        return NAMES;
    }

    @Override
    public CredentialLifecycle<TokenRecords.Listed> lifecycle() {
        return service.lifecycle();
    }

    @Override
    public List<String> members() {
        return List.of("permissions");
    }

    @Override
    public List<TokenPermission> read(JsonNode body, List<FieldError> errors) {
        var granted = new ArrayList<TokenPermission>();
        var list = body.path("permissions");
        if (!list.isArray() || list.isEmpty()) {
            errors.add(FieldError.at("/permissions", "at least one permission is required"));
        } else {
            for (int i = 0; i < list.size(); i++) {
                permission(list.get(i), "/permissions/" + i, errors).ifPresent(granted::add);
            }
        }
        return granted;
    }

    @Override
    public CreatedCredential<List<TokenPermission>> create(SecurityContext security, RequestAudit audit,
                                                           NewCredential<List<TokenPermission>> request,
                                                           Function<CreatedCredential<List<TokenPermission>>, Reply> reply) {
        return service.create(security, audit, request, reply);
    }

    @Override
    public void addMembers(ObjectNode json, List<TokenPermission> permissions) {
        json.set("permissions", service.permissionsJson(permissions));
    }

    @Override
    public ObjectNode listed(TokenRecords.Listed token) {
        var json = token.credential().jsonHead(mapper);
        addMembers(json, token.permissions());
        token.credential().jsonTail(json);
        token.lastUsedAt().ifPresent(at -> json.put("last_used_at", at.toString()));
        return json;
    }

    private static Optional<TokenPermission> permission(JsonNode item, String pointer, List<FieldError> errors) {
        if (!item.isObject()) {
            errors.add(FieldError.at(pointer, "must be an object with action and optional datasets"));
            return Optional.empty();
        }
        var action = item.path("action").asText("");
        if (!GRANTABLE.contains(action)) {
            errors.add(FieldError.at(pointer + "/action", "must be one of " + new TreeSet<>(GRANTABLE)));
            return Optional.empty();
        }
        var datasets = item.get("datasets");
        if (datasets == null || datasets.isNull()) {
            return Optional.of(TokenPermission.onAllDatasets(action));
        }
        if (!datasets.isArray() || datasets.isEmpty()) {
            errors.add(FieldError.at(pointer + "/datasets", "must be a non-empty list of dataset ids, or absent for all datasets"));
            return Optional.empty();
        }
        var names = new LinkedHashSet<String>();
        for (int i = 0; i < datasets.size(); i++) {
            var dataset = datasets.get(i).asText("");
            if (!datasets.get(i).isTextual() || !DatasetId.isValid(dataset)) {
                errors.add(FieldError.at(pointer + "/datasets/" + i, "must be a dataset id matching " + DatasetId.RULE));
            }
            names.add(dataset);
        }
        return Optional.of(TokenPermission.onDatasets(action, names));
    }
}
