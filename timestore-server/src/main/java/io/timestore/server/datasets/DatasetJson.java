package io.timestore.server.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.security.authz.AccessRequirement;
import io.timestore.security.authz.DatasetAccess;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** The JSON of dataset requests and responses (snake_case, docs/architecture.md §8). */
final class DatasetJson {
    private static final Set<String> SETTABLE = Set.of("description", "labels", "access", "retention_days");
    private static final int MAX_LABELS = 64;

    record CreateRequest(String id, DatasetStore.Metadata metadata) {}

    /**
     * A JSON merge patch (RFC 7396) of the settable members: a member set to null returns to its
     * default (no description, no labels, tenant-default access, no retention); {@code labels} and
     * {@code access} are merged member by member.
     */
    record Patch(JsonNode body) {
        DatasetStore.Metadata applyTo(DatasetStore.Metadata current) {
            var description = body.has("description") ? text(body.get("description")) : current.description();
            var labels = body.has("labels") ? mergeLabels(current.labels(), body.get("labels")) : current.labels();
            var access = body.has("access") ? mergeAccess(current.access(), body.get("access")) : current.access();
            var retention = body.has("retention_days") ? days(body.get("retention_days")) : current.retentionDays();
            return new DatasetStore.Metadata(description, labels, access, retention);
        }
    }

    private DatasetJson() {}

    static CreateRequest parseCreate(JsonNode body) {
        var errors = new ArrayList<FieldError>();
        body.fieldNames().forEachRemaining(name -> {
            if (!name.equals("id") && !SETTABLE.contains(name)) {
                errors.add(FieldError.at("/" + name, "unknown member; expected id, description, labels, access, retention_days"));
            }
        });
        var id = body.path("id");
        if (!id.isTextual() || !DatasetId.isValid(id.asText())) {
            errors.add(FieldError.at("/id", "required: a dataset id matching " + DatasetId.RULE));
        }
        validateSettable(body, errors);
        fail(errors);
        var access = body.has("access") && !body.get("access").isNull()
                ? AccessJson.parse(body.get("access"), "/access", errors) : DatasetAccess.TENANT_DEFAULTS;
        var labels = new Patch(body).applyTo(new DatasetStore.Metadata(Optional.empty(), Map.of(),
                DatasetAccess.TENANT_DEFAULTS, OptionalInt.empty()));
        return new CreateRequest(id.asText(), new DatasetStore.Metadata(labels.description(), labels.labels(), access,
                labels.retentionDays()));
    }

    static Patch parsePatch(JsonNode body) {
        var errors = new ArrayList<FieldError>();
        body.fieldNames().forEachRemaining(name -> {
            if (!SETTABLE.contains(name)) {
                errors.add(FieldError.at("/" + name, "cannot be changed; settable: description, labels, access, retention_days"));
            }
        });
        validateSettable(body, errors);
        fail(errors);
        return new Patch(body);
    }

    static ObjectNode toJson(Dataset dataset) {
        var json = JsonNodeFactory.instance.objectNode().put("id", dataset.id());
        dataset.description().ifPresent(d -> json.put("description", d));
        var labels = json.putObject("labels");
        new java.util.TreeMap<>(dataset.labels()).forEach(labels::put);
        json.set("access", AccessJson.toJson(dataset.access()));
        dataset.retentionDays().ifPresent(days -> json.put("retention_days", days));
        return json.put("revision", dataset.revision())
                .put("created_at", dataset.createdAt().toString())
                .put("created_by", dataset.createdBy())
                .put("updated_at", dataset.updatedAt().toString())
                .put("updated_by", dataset.updatedBy());
    }

    private static void validateSettable(JsonNode body, List<FieldError> errors) {
        var description = body.get("description");
        if (description != null && !description.isNull() && (!description.isTextual() || description.asText().length() > 4000)) {
            errors.add(FieldError.at("/description", "must be a string of at most 4000 characters, or null"));
        }
        var labels = body.get("labels");
        if (labels != null && !labels.isNull()) {
            validateLabels(labels, errors);
        }
        var access = body.get("access");
        if (access != null && !access.isNull()) {
            AccessJson.parse(access, "/access", errors);
        }
        var retention = body.get("retention_days");
        if (retention != null && !retention.isNull()
                && (!retention.isIntegralNumber() || !retention.canConvertToInt() || retention.asInt() < 1 || retention.asInt() > 36500)) {
            errors.add(FieldError.at("/retention_days", "must be an integer from 1 to 36500, or null for no retention"));
        }
    }

    private static void validateLabels(JsonNode labels, List<FieldError> errors) {
        if (!labels.isObject() || labels.size() > MAX_LABELS) {
            errors.add(FieldError.at("/labels", "must be an object of at most %d string labels".formatted(MAX_LABELS)));
            return;
        }
        labels.properties().forEach(entry -> {
            var key = entry.getKey();
            var value = entry.getValue();
            if (key.isEmpty() || key.length() > 128) {
                errors.add(FieldError.at("/labels/" + pointerEscape(key), "label names have 1-128 characters"));
            } else if (!value.isNull() && (!value.isTextual() || value.asText().length() > 1024)) {
                errors.add(FieldError.at("/labels/" + pointerEscape(key), "must be a string of at most 1024 characters"));
            }
        });
    }

    private static Optional<String> text(JsonNode value) {
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
    }

    private static OptionalInt days(JsonNode value) {
        return value == null || value.isNull() ? OptionalInt.empty() : OptionalInt.of(value.asInt());
    }

    private static Map<String, String> mergeLabels(Map<String, String> current, JsonNode patch) {
        if (patch.isNull()) {
            return Map.of();
        }
        var merged = new LinkedHashMap<>(current);
        patch.properties().forEach(entry -> {
            if (entry.getValue().isNull()) {
                merged.remove(entry.getKey());
            } else {
                merged.put(entry.getKey(), entry.getValue().asText());
            }
        });
        if (merged.size() > MAX_LABELS) {
            throw new InvalidRequest("a dataset has at most %d labels".formatted(MAX_LABELS),
                    List.of(FieldError.at("/labels", "too many labels after the merge")));
        }
        return merged;
    }

    private static DatasetAccess mergeAccess(DatasetAccess current, JsonNode patch) {
        if (patch.isNull()) {
            return DatasetAccess.TENANT_DEFAULTS;
        }
        var errors = new ArrayList<FieldError>();
        var read = merged(current.read(), patch, "read", errors);
        var write = merged(current.write(), patch, "write", errors);
        var admin = merged(current.admin(), patch, "admin", errors);
        fail(errors);
        return new DatasetAccess(read, write, admin);
    }

    private static Optional<AccessRequirement> merged(Optional<AccessRequirement> current, JsonNode patch, String block,
                                                      List<FieldError> errors) {
        return patch.has(block) ? AccessJson.block(patch.get(block), "/access/" + block, errors) : current;
    }

    private static void fail(List<FieldError> errors) {
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the dataset request is invalid", errors);
        }
    }

    private static String pointerEscape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
