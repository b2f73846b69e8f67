package io.timestore.audit.delivery;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditEvent.Actor;
import io.timestore.audit.AuditEvent.ActorType;
import io.timestore.audit.AuditEvent.Operation;
import io.timestore.audit.AuditEvent.Outcome;
import io.timestore.audit.AuditEvent.Problem;
import io.timestore.audit.AuditEvent.Request;
import io.timestore.audit.AuditEvent.Result;
import io.timestore.audit.AuditEvent.Revision;
import io.timestore.audit.ChainHash;
import io.timestore.audit.Details;
import io.timestore.audit.Seal;
import io.timestore.audit.Severity;
import io.timestore.audit.canonical.Labels;
import io.timestore.audit.canonical.Timestamps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Reads a stored event (the text of {@code audit_events.event}, UTF-8) for delivery with a streaming
 * parser, straight into an {@link AuditEvent}: the result and the refusals are those of
 * {@link io.timestore.audit.AuditJson#read} (an unknown, missing, duplicated or wrongly typed member
 * is an {@link IllegalArgumentException} naming it, and the loop parks the partition), without the
 * JSON tree, its member maps and a string copy of every event. Only {@code details}, free-form, is
 * read as a tree ({@link Details} keeps one). Delivery reads every sealed event once per sink, so
 * parsing was the larger half of the loop's CPU time (docs/benchmarks.md, issue 17).
 *
 * <p>Thread-safe (stateless).
 */
public final class StoredEventReader {
    /**
     * Duplicate members are refused as by AuditJson: by {@link Members} for the contract's objects, by
     * the tree reader for {@code details} (the parser's own duplicate detection keeps a hash set per
     * object, which showed in the profile).
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();
    /** Stands for a JSON {@code null} among the members read (Java {@code null}: the member is missing). */
    private static final Object NULL = new Object();
    /** Stands for an array that is not an array of strings. */
    private static final Object MIXED = new Object();

    private static final String[] TOP = {"event_id", "tenant_id", "occurred_at", "request_id", "trace_id", "actor", "operation",
        "outcome", "revision", "request", "details", "severity", "seq", "prev_hash", "hash"};
    private static final String[] ACTOR = {"id", "type", "roles", "scopes", "groups", "auth_method"};
    private static final String[] OPERATION = {"action", "component", "resource_type", "resource_id", "dataset_id"};
    private static final String[] OUTCOME = {"result", "status", "error"};
    private static final String[] ERROR = {"code", "message"};
    private static final String[] REVISION = {"before", "after"};
    private static final String[] REQUEST = {"method", "path", "source_ip", "user_agent"};

    private StoredEventReader() {}

    /**
     * The stored event {@code json} with {@code seal}.
     *
     * @throws IllegalArgumentException if {@code json} is not a valid event document
     */
    public static AuditEvent read(byte[] json, Seal seal) {
        try (var parser = MAPPER.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("event must be a JSON object");
            }
            var event = event(new Members(parser, "event", TOP));
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("not JSON: trailing tokens after the event");
            }
            return event.withSeal(seal);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("reading from memory does not fail", e);
        }
    }

    private static AuditEvent event(Members o) {
        var eventId = o.text("event_id");
        var id = UUID.fromString(eventId);
        if (!id.toString().equals(eventId)) {
            throw new IllegalArgumentException("event_id must be a lower-case canonical UUID (found \"" + eventId + "\")");
        }
        var a = o.object("actor");
        var actor = new Actor(a.optionalText("id"), Labels.parse(ActorType.class, a.text("type"), "actor.type"), a.texts("roles"),
                a.texts("scopes"), a.texts("groups"), a.text("auth_method"));
        var op = o.object("operation");
        var operation = new Operation(op.text("action"), op.text("component"), op.optionalText("resource_type"),
                op.optionalText("resource_id"), op.optionalText("dataset_id"));
        var out = o.object("outcome");
        Problem error = null;
        if (!out.isNull("error")) {
            var e = out.object("error");
            error = new Problem(e.text("code"), e.optionalText("message"));
        }
        var outcome = new Outcome(Labels.parse(Result.class, out.text("result"), "outcome.result"), out.integer("status"), error);
        Revision revision = null;
        if (!o.isNull("revision")) {
            var r = o.object("revision");
            revision = new Revision(r.optionalText("before"), r.optionalText("after"));
        }
        var rq = o.object("request");
        var request = new Request(rq.text("method"), rq.text("path"), rq.optionalText("source_ip"), rq.optionalText("user_agent"));
        checkSeal(o);
        return new AuditEvent(id, o.text("tenant_id"), Timestamps.parse(o.text("occurred_at"), "occurred_at"), o.text("request_id"),
                o.optionalText("trace_id"), actor, operation, outcome, revision, request, Details.of(o.tree("details")),
                Severity.fromLabel(o.text("severity")), null);
    }

    /** Seal members in the stored JSON must be complete and well formed, as for AuditJson; the seal row is the one used. */
    private static void checkSeal(Members o) {
        int present = (o.has("seq") ? 1 : 0) + (o.has("prev_hash") ? 1 : 0) + (o.has("hash") ? 1 : 0);
        if (present != 0 && present != 3) {
            throw new IllegalArgumentException("seq, prev_hash and hash come together or not at all");
        }
        if (present == 3) {
            new Seal(o.longValue("seq"), ChainHash.parse(o.text("prev_hash")), ChainHash.parse(o.text("hash")));
        }
    }

    /** One JSON object's members, read in one pass, with typed, strict access naming the path in every message. */
    private static final class Members {
        private final String path;
        private final String[] names;
        private final Object[] values;

        /** Reads the object whose START_OBJECT {@code parser} is on, up to and including its END_OBJECT. */
        Members(JsonParser parser, String path, String[] names) throws IOException {
            this.path = path;
            this.names = names;
            this.values = new Object[names.length];
            List<String> unknown = null;
            for (var token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                var name = parser.currentName();
                int index = indexOf(names, name);
                var valueToken = parser.nextToken();
                if (index >= 0 && values[index] != null) {
                    throw new IllegalArgumentException("not JSON: duplicate member %s.%s".formatted(path, name));
                }
                if (index < 0) {
                    if (unknown == null) {
                        unknown = new ArrayList<>();
                    }
                    unknown.add(name);
                    parser.skipChildren();
                    continue;
                }
                values[index] = value(parser, valueToken, path, name);
            }
            if (unknown != null) {
                throw new IllegalArgumentException("%s has unknown members %s".formatted(path, unknown));
            }
        }

        private static int indexOf(String[] names, String name) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        private static Object value(JsonParser parser, JsonToken token, String path, String name) throws IOException {
            if (name.equals("details") && path.equals("event")) {
                return MAPPER.readTree(parser); // free-form: Details.of refuses anything but an object
            }
            return switch (token) {
                case VALUE_STRING -> parser.getText();
                case VALUE_NULL -> NULL;
                case VALUE_NUMBER_INT -> parser.getNumberType() == JsonParser.NumberType.INT ? (Object) parser.getIntValue()
                        : parser.getBigIntegerValue();
                case START_OBJECT -> {
                    var members = nested(path, name);
                    yield members == null ? MAPPER.readTree(parser) : new Members(parser, path + "." + name, members);
                }
                case START_ARRAY -> strings(parser);
                default -> MAPPER.readTree(parser); // a boolean or a fraction: the wrong type for every member but details
            };
        }

        /** The members of the contract's nested object {@code path.name}, or null when there is none. */
        private static String[] nested(String path, String name) {
            return switch (path) {
                case "event" -> switch (name) {
                    case "actor" -> ACTOR;
                    case "operation" -> OPERATION;
                    case "outcome" -> OUTCOME;
                    case "revision" -> REVISION;
                    case "request" -> REQUEST;
                    default -> null;
                };
                case "event.outcome" -> name.equals("error") ? ERROR : null;
                default -> null;
            };
        }

        private static Object strings(JsonParser parser) throws IOException {
            var texts = new ArrayList<String>();
            boolean mixed = false;
            for (var token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (token == JsonToken.VALUE_STRING) {
                    texts.add(parser.getText());
                } else {
                    mixed = true;
                    parser.skipChildren();
                }
            }
            return mixed ? MIXED : texts;
        }

        private Object required(String name) {
            var value = values[indexOf(names, name)];
            if (value == null) {
                throw new IllegalArgumentException("%s.%s is missing (write null for no value)".formatted(path, name));
            }
            return value;
        }

        boolean has(String name) {
            return values[indexOf(names, name)] != null;
        }

        boolean isNull(String name) {
            return required(name) == NULL;
        }

        String text(String name) {
            if (required(name) instanceof String text) {
                return text;
            }
            throw new IllegalArgumentException("%s.%s must be a string".formatted(path, name));
        }

        String optionalText(String name) {
            return isNull(name) ? null : text(name);
        }

        int integer(String name) {
            if (required(name) instanceof Integer number) {
                return number;
            }
            throw new IllegalArgumentException("%s.%s must be an integer".formatted(path, name));
        }

        long longValue(String name) {
            return switch (required(name)) {
                case Integer number -> number;
                case BigInteger number when number.bitLength() < 64 -> number.longValue();
                default -> throw new IllegalArgumentException("%s.%s must be an integer".formatted(path, name));
            };
        }

        @SuppressWarnings("unchecked")
        List<String> texts(String name) {
            if (required(name) instanceof List<?> texts) {
                return (List<String>) texts;
            }
            throw new IllegalArgumentException("%s.%s must be an array of strings".formatted(path, name));
        }

        Members object(String name) {
            if (required(name) instanceof Members members) {
                return members;
            }
            throw new IllegalArgumentException("%s.%s must be a JSON object".formatted(path, name));
        }

        JsonNode tree(String name) {
            return (JsonNode) required(name);
        }
    }
}
