package io.timestore.server.signingkeys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.security.Principal;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.credentials.CreatedCredential;
import io.timestore.server.credentials.CredentialKind;
import io.timestore.server.credentials.CredentialLifecycle;
import io.timestore.server.credentials.CredentialRoutes;
import io.timestore.server.credentials.NewCredential;
import io.timestore.server.http.Listing;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/signing-keys}: HMAC keys for signed service requests (action {@code token:manage}).
 * The routes, the name, expiry, listing and revocation are every credential kind's
 * ({@link CredentialRoutes}); here are the key's roles and scopes.
 */
public final class SigningKeyRoutes implements CredentialKind<RolesAndScopes, SigningKeyRecords.Listed> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Names NAMES = new Names("/admin/v1/signing-keys", "signing_key", "signing key", "secret",
            Listing.SIGNING_KEYS, Pattern.compile("hk_[0-9a-f]{24}"), "hk_ followed by 24 lower-case hex characters");

    private final SigningKeyService service;
    private final ObjectMapper mapper;

    /** @param mapper renders the listing's items */
    public SigningKeyRoutes(SigningKeyService service, ObjectMapper mapper) {
        this.service = service;
        this.mapper = mapper;
    }

    @Override
    public Names names() {
        return NAMES;
    }

    @Override
    public CredentialLifecycle<SigningKeyRecords.Listed> lifecycle() {
        return service.lifecycle();
    }

    @Override
    public List<String> members() {
        return List.of("roles", "scopes");
    }

    @Override
    public RolesAndScopes read(JsonNode body, List<FieldError> errors) {
        var roles = names(body, "roles", errors);
        var scopes = names(body, "scopes", errors);
        if (roles.contains(Principal.PLATFORM_OPERATOR_ROLE)) {
            errors.add(FieldError.at("/roles", "a signing key cannot carry the platform-operator role"));
        }
        if (roles.isEmpty() && scopes.isEmpty()) {
            errors.add(FieldError.at("/roles", "a key needs at least one role or scope, or it could do nothing"));
        }
        return new RolesAndScopes(roles, scopes);
    }

    @Override
    public CreatedCredential<RolesAndScopes> create(SecurityContext security, RequestAudit audit,
                                                    NewCredential<RolesAndScopes> request,
                                                    Function<CreatedCredential<RolesAndScopes>, Reply> reply) {
        return service.create(security, audit, request, reply);
    }

    /** {@code roles} and {@code scopes}, each sorted (as stored). */
    @Override
    public void addMembers(ObjectNode json, RolesAndScopes granted) {
        var roles = json.putArray("roles");
        granted.roles().stream().sorted().forEach(roles::add);
        var scopes = json.putArray("scopes");
        granted.scopes().stream().sorted().forEach(scopes::add);
    }

    @Override
    public ObjectNode listed(SigningKeyRecords.Listed key) {
        var json = key.credential().jsonHead(mapper);
        addMembers(json, key.granted());
        return key.credential().jsonTail(json);
    }

    private static Set<String> names(JsonNode body, String member, List<FieldError> errors) {
        var names = new LinkedHashSet<String>();
        var array = body.get(member);
        if (array == null || array.isNull()) {
            return names;
        }
        if (!array.isArray()) {
            errors.add(FieldError.at("/" + member, "must be a list of names"));
            return names;
        }
        for (int i = 0; i < array.size(); i++) {
            if (!array.get(i).isTextual() || !NAME.matcher(array.get(i).asText()).matches()) {
                errors.add(FieldError.at("/%s/%d".formatted(member, i), "must be a name of letters, digits and ._:-"));
            } else {
                names.add(array.get(i).asText());
            }
        }
        return names;
    }
}
