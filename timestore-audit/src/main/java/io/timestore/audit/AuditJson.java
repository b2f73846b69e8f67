package io.timestore.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent.Actor;
import io.timestore.audit.AuditEvent.ActorType;
import io.timestore.audit.AuditEvent.Operation;
import io.timestore.audit.AuditEvent.Outcome;
import io.timestore.audit.AuditEvent.Problem;
import io.timestore.audit.AuditEvent.Request;
import io.timestore.audit.AuditEvent.Result;
import io.timestore.audit.AuditEvent.Revision;
import io.timestore.audit.canonical.Labels;
import io.timestore.audit.canonical.Timestamps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The JSON form of {@link AuditEvent} — the public contract, member by member as documented in
 * {@code docs/audit-events.md}. Written by hand rather than by annotations so the contract is
 * visible in one place and cannot drift with a Jackson setting.
 *
 * <p>Writing: every member is present, {@code null} when it has no value, except the seal members
 * {@code seq}, {@code prev_hash}, {@code hash}, which are absent until the event is sealed. Enums
 * are lower case; timestamps are RFC 3339 UTC with six fractional digits.
 *
 * <p>Reading is strict, because the hash is computed over exactly these members: an unknown
 * member, a missing one, a wrongly typed one or a partial seal is refused with
 * {@link IllegalArgumentException} naming the member. Thread-safe.
 */
public final class AuditJson {
    private static final Set<String> TOP = Set.of("event_id", "tenant_id", "occurred_at", "request_id", "trace_id",
            "actor", "operation", "outcome", "revision", "request", "details", "severity", "seq", "prev_hash", "hash");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ObjectMapper mapper = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The event as a JSON tree in contract order. */
    public ObjectNode toJson(AuditEvent event) {
        ObjectNode json = NODES.objectNode();
        json.put("event_id", event.eventId().toString());
        json.put("tenant_id", event.tenantId());
        json.put("occurred_at", Timestamps.format(event.occurredAt()));
        json.put("request_id", event.requestId());
        json.put("trace_id", event.traceId());
        json.set("actor", actor(event.actor()));
        json.set("operation", operation(event.operation()));
        json.set("outcome", outcome(event.outcome()));
        json.set("revision", revision(event.revision()));
        json.set("request", request(event.request()));
        json.set("details", event.details().toJson());
        json.put("severity", event.severity().label());
        if (event.seal() != null) {
            json.put("seq", event.seal().seq());
            json.put("prev_hash", event.seal().prevHash().hex());
            json.put("hash", event.seal().hash().hex());
        }
        return json;
    }

    public String write(AuditEvent event) {
        try {
            return mapper.writeValueAsString(toJson(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /**
     * Streams the event to {@code out} as one JSON object: the same members, order and bytes as
     * {@link #write}, without building a tree (audit delivery encodes every sealed event this way).
     * {@code out} must have an {@link ObjectMapper} as its codec (for {@code details}).
     */
    public static void writeTo(AuditEvent event, JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeStringField("event_id", event.eventId().toString());
        out.writeStringField("tenant_id", event.tenantId());
        out.writeStringField("occurred_at", Timestamps.format(event.occurredAt()));
        out.writeStringField("request_id", event.requestId());
        out.writeStringField("trace_id", event.traceId());
        var a = event.actor();
        out.writeObjectFieldStart("actor");
        out.writeStringField("id", a.id());
        out.writeStringField("type", Labels.of(a.type()));
        writeArray(out, "roles", a.roles());
        writeArray(out, "scopes", a.scopes());
        writeArray(out, "groups", a.groups());
        out.writeStringField("auth_method", a.authMethod());
        out.writeEndObject();
        var op = event.operation();
        out.writeObjectFieldStart("operation");
        out.writeStringField("action", op.action());
        out.writeStringField("component", op.component());
        out.writeStringField("resource_type", op.resourceType());
        out.writeStringField("resource_id", op.resourceId());
        out.writeStringField("dataset_id", op.datasetId());
        out.writeEndObject();
        var outcome = event.outcome();
        out.writeObjectFieldStart("outcome");
        out.writeStringField("result", Labels.of(outcome.result()));
        out.writeNumberField("status", outcome.status());
        if (outcome.error() == null) {
            out.writeNullField("error");
        } else {
            out.writeObjectFieldStart("error");
            out.writeStringField("code", outcome.error().code());
            out.writeStringField("message", outcome.error().message());
            out.writeEndObject();
        }
        out.writeEndObject();
        var revision = event.revision();
        if (revision == null) {
            out.writeNullField("revision");
        } else {
            out.writeObjectFieldStart("revision");
            out.writeStringField("before", revision.before());
            out.writeStringField("after", revision.after());
            out.writeEndObject();
        }
        var r = event.request();
        out.writeObjectFieldStart("request");
        out.writeStringField("method", r.method());
        out.writeStringField("path", r.path());
        out.writeStringField("source_ip", r.sourceIp());
        out.writeStringField("user_agent", r.userAgent());
        out.writeEndObject();
        out.writeFieldName("details");
        event.details().writeTo(out);
        out.writeStringField("severity", event.severity().label());
        if (event.seal() != null) {
            out.writeNumberField("seq", event.seal().seq());
            out.writeStringField("prev_hash", event.seal().prevHash().hex());
            out.writeStringField("hash", event.seal().hash().hex());
        }
        out.writeEndObject();
    }

    private static void writeArray(JsonGenerator out, String name, List<String> values) throws IOException {
        out.writeArrayFieldStart(name);
        for (var value : values) {
            out.writeString(value);
        }
        out.writeEndArray();
    }

    /** @throws IllegalArgumentException if {@code json} is not a valid event document */
    public AuditEvent read(String json) {
        try {
            return fromJson(mapper.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** @throws IllegalArgumentException if {@code json} is not a valid event document */
    public AuditEvent fromJson(JsonNode json) {
        var o = new Members(json, "event", TOP);
        return new AuditEvent(
                parseUuid(o.text("event_id")),
                o.text("tenant_id"),
                Timestamps.parse(o.text("occurred_at"), "occurred_at"),
                o.text("request_id"),
                o.optionalText("trace_id"),
                readActor(o.object("actor")),
                readOperation(o.object("operation")),
                readOutcome(o.object("outcome")),
                o.isNull("revision") ? null : readRevision(o.object("revision")),
                readRequest(o.object("request")),
                Details.of(o.details()),
                Severity.fromLabel(o.text("severity")),
                readSeal(o));
    }

    /** Parses a JSON object text (e.g. a stored {@code details} column). */
    public JsonNode readTree(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static ObjectNode actor(Actor a) {
        ObjectNode json = NODES.objectNode();
        json.put("id", a.id());
        json.put("type", Labels.of(a.type()));
        json.set("roles", array(a.roles()));
        json.set("scopes", array(a.scopes()));
        json.set("groups", array(a.groups()));
        json.put("auth_method", a.authMethod());
        return json;
    }

    private static ObjectNode operation(Operation op) {
        ObjectNode json = NODES.objectNode();
        json.put("action", op.action());
        json.put("component", op.component());
        json.put("resource_type", op.resourceType());
        json.put("resource_id", op.resourceId());
        json.put("dataset_id", op.datasetId());
        return json;
    }

    private static ObjectNode outcome(Outcome outcome) {
        ObjectNode json = NODES.objectNode();
        json.put("result", Labels.of(outcome.result()));
        json.put("status", outcome.status());
        if (outcome.error() == null) {
            json.putNull("error");
        } else {
            json.putObject("error").put("code", outcome.error().code()).put("message", outcome.error().message());
        }
        return json;
    }

    private static JsonNode revision(Revision revision) {
        if (revision == null) {
            return NODES.nullNode();
        }
        return NODES.objectNode().put("before", revision.before()).put("after", revision.after());
    }

    private static ObjectNode request(Request r) {
        ObjectNode json = NODES.objectNode();
        json.put("method", r.method());
        json.put("path", r.path());
        json.put("source_ip", r.sourceIp());
        json.put("user_agent", r.userAgent());
        return json;
    }

    private static ArrayNode array(List<String> values) {
        ArrayNode json = NODES.arrayNode(values.size());
        values.forEach(json::add);
        return json;
    }

    private static Actor readActor(Members o) {
        return new Actor(o.optionalText("id"), Labels.parse(ActorType.class, o.text("type"), "actor.type"),
                o.texts("roles"), o.texts("scopes"), o.texts("groups"), o.text("auth_method"));
    }

    private static Operation readOperation(Members o) {
        return new Operation(o.text("action"), o.text("component"), o.optionalText("resource_type"),
                o.optionalText("resource_id"), o.optionalText("dataset_id"));
    }

    private static Outcome readOutcome(Members o) {
        Problem error = null;
        if (!o.isNull("error")) {
            Members e = o.object("error");
            error = new Problem(e.text("code"), e.optionalText("message"));
        }
        return new Outcome(Labels.parse(Result.class, o.text("result"), "outcome.result"), o.integer("status"), error);
    }

    private static Revision readRevision(Members o) {
        return new Revision(o.optionalText("before"), o.optionalText("after"));
    }

    private static Request readRequest(Members o) {
        return new Request(o.text("method"), o.text("path"), o.optionalText("source_ip"), o.optionalText("user_agent"));
    }

    private static Seal readSeal(Members o) {
        int present = (o.has("seq") ? 1 : 0) + (o.has("prev_hash") ? 1 : 0) + (o.has("hash") ? 1 : 0);
        if (present == 0) {
            return null;
        }
        if (present != 3) {
            throw new IllegalArgumentException("seq, prev_hash and hash come together or not at all");
        }
        return new Seal(o.longValue("seq"), ChainHash.parse(o.text("prev_hash")), ChainHash.parse(o.text("hash")));
    }

    private static UUID parseUuid(String text) {
        UUID id = UUID.fromString(text);
        if (!id.toString().equals(text)) {
            throw new IllegalArgumentException("event_id must be a lower-case canonical UUID (found \"" + text + "\")");
        }
        return id;
    }

    /** Typed, strict access to one JSON object's members, with the path in every message. */
    private static final class Members {
        private final JsonNode node;
        private final String path;

        Members(JsonNode node, String path, Set<String> allowed) {
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(path + " must be a JSON object");
            }
            List<String> unknown = new ArrayList<>();
            node.fieldNames().forEachRemaining(name -> {
                if (!allowed.contains(name)) {
                    unknown.add(name);
                }
            });
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("%s has unknown members %s".formatted(path, unknown));
            }
            this.node = node;
            this.path = path;
        }

        boolean has(String name) {
            return node.has(name);
        }

        boolean isNull(String name) {
            return required(name).isNull();
        }

        String text(String name) {
            JsonNode value = required(name);
            if (!value.isTextual()) {
                throw new IllegalArgumentException("%s.%s must be a string".formatted(path, name));
            }
            return value.textValue();
        }

        String optionalText(String name) {
            return isNull(name) ? null : text(name);
        }

        int integer(String name) {
            JsonNode value = required(name);
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw new IllegalArgumentException("%s.%s must be an integer".formatted(path, name));
            }
            return value.intValue();
        }

        long longValue(String name) {
            JsonNode value = required(name);
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw new IllegalArgumentException("%s.%s must be an integer".formatted(path, name));
            }
            return value.longValue();
        }

        List<String> texts(String name) {
            JsonNode value = required(name);
            if (!value.isArray()) {
                throw new IllegalArgumentException("%s.%s must be an array of strings".formatted(path, name));
            }
            List<String> texts = new ArrayList<>(value.size());
            for (JsonNode element : value) {
                if (!element.isTextual()) {
                    throw new IllegalArgumentException("%s.%s must be an array of strings".formatted(path, name));
                }
                texts.add(element.textValue());
            }
            return texts;
        }

        Members object(String name) {
            return new Members(required(name), path + "." + name, switch (name) {
                case "actor" -> Set.of("id", "type", "roles", "scopes", "groups", "auth_method");
                case "operation" -> Set.of("action", "component", "resource_type", "resource_id", "dataset_id");
                case "outcome" -> Set.of("result", "status", "error");
                case "error" -> Set.of("code", "message");
                case "revision" -> Set.of("before", "after");
                case "request" -> Set.of("method", "path", "source_ip", "user_agent");
                default -> throw new IllegalStateException("no member list for " + name);
            });
        }

        JsonNode details() {
            return required("details");
        }

        private JsonNode required(String name) {
            JsonNode value = node.get(name);
            if (value == null) {
                throw new IllegalArgumentException("%s.%s is missing (write null for no value)".formatted(path, name));
            }
            return value;
        }
    }
}
