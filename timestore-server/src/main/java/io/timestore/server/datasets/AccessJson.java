package io.timestore.server.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.security.authz.AccessRequirement;
import io.timestore.security.authz.DatasetAccess;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The JSON form of a dataset's {@code access} metadata:
 * {@code {"read": {"roles": [...], "scopes": [...]}, "write": {...}, "admin": {...}}}. An absent
 * block means the tenant defaults. The same form is stored (jsonb) and returned.
 */
final class AccessJson {
    private static final Set<String> BLOCKS = Set.of("read", "write", "admin");
    private static final Set<String> MEMBERS = Set.of("roles", "scopes");
    private static final int MAX_NAMES = 100;

    private AccessJson() {}

    static ObjectNode toJson(DatasetAccess access) {
        var json = JsonNodeFactory.instance.objectNode();
        access.read().ifPresent(block -> json.set("read", block(block)));
        access.write().ifPresent(block -> json.set("write", block(block)));
        access.admin().ifPresent(block -> json.set("admin", block(block)));
        return json;
    }

    /** The stored form back; it was validated when written. */
    static DatasetAccess fromStored(JsonNode json) {
        var errors = new java.util.ArrayList<FieldError>();
        var access = parse(json, "/access", errors);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("stored access metadata is invalid: " + errors);
        }
        return access;
    }

    /** Parses an access object, adding what is wrong to {@code errors}. */
    static DatasetAccess parse(JsonNode json, String pointer, List<FieldError> errors) {
        if (!json.isObject()) {
            errors.add(FieldError.at(pointer, "must be an object with optional read, write and admin blocks"));
            return DatasetAccess.TENANT_DEFAULTS;
        }
        json.fieldNames().forEachRemaining(name -> {
            if (!BLOCKS.contains(name)) {
                errors.add(FieldError.at(pointer + "/" + name, "unknown block; expected read, write or admin"));
            }
        });
        return new DatasetAccess(block(json.get("read"), pointer + "/read", errors),
                block(json.get("write"), pointer + "/write", errors),
                block(json.get("admin"), pointer + "/admin", errors));
    }

    /** One block; JSON null or absent is the tenant default. */
    static Optional<AccessRequirement> block(JsonNode json, String pointer, List<FieldError> errors) {
        if (json == null || json.isNull()) {
            return Optional.empty();
        }
        if (!json.isObject()) {
            errors.add(FieldError.at(pointer, "must be an object {\"roles\": [...], \"scopes\": [...]}"));
            return Optional.empty();
        }
        json.fieldNames().forEachRemaining(name -> {
            if (!MEMBERS.contains(name)) {
                errors.add(FieldError.at(pointer + "/" + name, "unknown member; expected roles or scopes"));
            }
        });
        var roles = names(json.get("roles"), pointer + "/roles", errors);
        var scopes = names(json.get("scopes"), pointer + "/scopes", errors);
        if (roles.isEmpty() && scopes.isEmpty()) {
            errors.add(FieldError.at(pointer, "a block must name at least one role or scope; omit it to use the tenant defaults"));
            return Optional.empty();
        }
        try {
            return Optional.of(new AccessRequirement(roles, scopes));
        } catch (IllegalArgumentException e) {
            errors.add(FieldError.at(pointer, e.getMessage()));
            return Optional.empty();
        }
    }

    private static Set<String> names(JsonNode json, String pointer, List<FieldError> errors) {
        var names = new LinkedHashSet<String>();
        if (json == null || json.isNull()) {
            return names;
        }
        if (!json.isArray() || json.size() > MAX_NAMES) {
            errors.add(FieldError.at(pointer, "must be a list of at most %d names".formatted(MAX_NAMES)));
            return names;
        }
        for (int i = 0; i < json.size(); i++) {
            var name = json.get(i);
            if (!name.isTextual() || name.asText().isBlank() || name.asText().length() > 200
                    || name.asText().chars().anyMatch(Character::isWhitespace)) {
                errors.add(FieldError.at(pointer + "/" + i, "must be a name of 1-200 characters without whitespace"));
            } else {
                names.add(name.asText());
            }
        }
        return names;
    }

    private static ObjectNode block(AccessRequirement requirement) {
        var json = JsonNodeFactory.instance.objectNode();
        var roles = json.putArray("roles");
        requirement.roles().forEach(roles::add);
        var scopes = json.putArray("scopes");
        requirement.scopes().forEach(scopes::add);
        return json;
    }
}
