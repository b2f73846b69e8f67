package io.timestore.audit.delivery.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.audit.AuditEvent;
import io.timestore.audit.AuditEvent.ActorType;
import io.timestore.audit.AuditEvent.Result;
import io.timestore.audit.Severity;
import io.timestore.audit.canonical.Labels;
import io.timestore.audit.canonical.Timestamps;
import io.timestore.audit.delivery.SealedEvent;
import java.io.IOException;
import java.util.List;

/**
 * OCSF 1.3.0 API Activity (category 6 Application Activity, class_uid 6003). The mapping, member by
 * member, is documented in docs/audit-delivery.md ("OCSF mapping"); what has no OCSF attribute (the
 * chain seal, roles, scopes, details, the revision) goes into {@code unmapped}, so nothing of the
 * event is lost. {@code metadata.uid} is the event id, {@code metadata.tenant_uid} the partition and
 * {@code metadata.sequence} the event's {@code seq}.
 */
final class OcsfFormat extends JsonRecordFormat {
    static final String OCSF_VERSION = "1.3.0";
    static final int CATEGORY_UID = 6;
    static final int CLASS_UID = 6003;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** OCSF API Activity {@code activity_id}, chosen from the HTTP method. */
    enum Activity {
        UNKNOWN(0, "Unknown"), CREATE(1, "Create"), READ(2, "Read"), UPDATE(3, "Update"), DELETE(4, "Delete"),
        OTHER(99, "Other");

        final int id;
        final String caption;

        Activity(int id, String caption) {
            this.id = id;
            this.caption = caption;
        }

        static Activity of(String method) {
            return switch (method) {
                case "POST" -> CREATE;
                case "GET", "HEAD" -> READ;
                case "PUT", "PATCH" -> UPDATE;
                case "DELETE" -> DELETE;
                default -> OTHER;
            };
        }
    }

    @Override
    public String label() {
        return "ocsf";
    }

    @Override
    public boolean readsMembers() {
        return true;
    }

    @Override
    void write(SealedEvent sealed, JsonGenerator out) throws IOException {
        out.writeTree(tree(sealed.event()));
    }

    private ObjectNode tree(AuditEvent event) {
        var activity = Activity.of(event.request().method());
        var json = NODES.objectNode();
        json.put("category_uid", CATEGORY_UID);
        json.put("category_name", "Application Activity");
        json.put("class_uid", CLASS_UID);
        json.put("class_name", "API Activity");
        json.put("activity_id", activity.id);
        json.put("activity_name", activity.caption);
        json.put("type_uid", CLASS_UID * 100 + activity.id);
        json.put("type_name", "API Activity: " + activity.caption);
        json.put("time", event.occurredAt().toEpochMilli());
        severity(json, event.severity());
        status(json, event);
        json.set("metadata", metadata(event));
        json.set("actor", actor(event.actor()));
        json.set("api", api(event));
        json.set("src_endpoint", srcEndpoint(event.request()));
        json.set("http_request", httpRequest(event));
        json.set("http_response", NODES.objectNode().put("code", event.outcome().status()));
        json.set("resources", resources(event.operation()));
        json.set("unmapped", unmapped(event));
        return json;
    }

    /** info 1 Informational, warn 2 Low, error 3 Medium, security 4 High (docs/audit-delivery.md). */
    private static void severity(ObjectNode json, Severity severity) {
        switch (severity) {
            case INFO -> json.put("severity_id", 1).put("severity", "Informational");
            case WARN -> json.put("severity_id", 2).put("severity", "Low");
            case ERROR -> json.put("severity_id", 3).put("severity", "Medium");
            case SECURITY -> json.put("severity_id", 4).put("severity", "High");
        }
    }

    private static void status(ObjectNode json, AuditEvent event) {
        var outcome = event.outcome();
        boolean success = outcome.result() == Result.SUCCEEDED;
        json.put("status_id", success ? 1 : 2);
        json.put("status", success ? "Success" : "Failure");
        json.put("status_code", outcome.error() == null ? Integer.toString(outcome.status()) : outcome.error().code());
        if (outcome.error() != null && outcome.error().message() != null) {
            json.put("status_detail", outcome.error().message());
        }
    }

    private static ObjectNode metadata(AuditEvent event) {
        var metadata = NODES.objectNode();
        metadata.put("version", OCSF_VERSION);
        metadata.putObject("product").put("name", "Timestore").put("vendor_name", "Timestore");
        metadata.put("uid", event.eventId().toString());
        metadata.put("tenant_uid", event.tenantId());
        metadata.put("sequence", event.seal().seq());
        metadata.put("log_name", "audit");
        metadata.put("event_code", event.operation().action());
        metadata.put("original_time", Timestamps.format(event.occurredAt()));
        if (event.traceId() != null) {
            metadata.put("correlation_uid", event.traceId());
        }
        return metadata;
    }

    private static ObjectNode actor(AuditEvent.Actor actor) {
        var user = NODES.objectNode();
        if (actor.id() != null) {
            user.put("uid", actor.id());
        }
        var type = userType(actor.type());
        user.put("type_id", type.id);
        user.put("type", type.caption);
        if (!actor.groups().isEmpty()) {
            var groups = user.putArray("groups");
            actor.groups().forEach(g -> groups.addObject().put("name", g));
        }
        var json = NODES.objectNode();
        json.set("user", user);
        json.put("app_name", "timestore");
        return json;
    }

    private record UserType(int id, String caption) {}

    /** OCSF user.type_id: 0 Unknown, 1 User, 3 System, 99 Other (service and token callers). */
    private static UserType userType(ActorType type) {
        return switch (type) {
            case USER -> new UserType(1, "User");
            case SYSTEM -> new UserType(3, "System");
            case SERVICE -> new UserType(99, "Service");
            case API_TOKEN -> new UserType(99, "API token");
            case ANONYMOUS -> new UserType(0, "Unknown");
        };
    }

    private static ObjectNode api(AuditEvent event) {
        var api = NODES.objectNode();
        api.put("operation", event.operation().action());
        api.putObject("service").put("name", event.operation().component());
        api.putObject("request").put("uid", event.requestId());
        var response = api.putObject("response").put("code", event.outcome().status());
        if (event.outcome().error() != null) {
            response.put("error", event.outcome().error().code());
            if (event.outcome().error().message() != null) {
                response.put("error_message", event.outcome().error().message());
            }
        }
        return api;
    }

    private static ObjectNode srcEndpoint(AuditEvent.Request request) {
        var endpoint = NODES.objectNode();
        if (request.sourceIp() != null) {
            endpoint.put("ip", request.sourceIp());
        }
        return endpoint;
    }

    private static ObjectNode httpRequest(AuditEvent event) {
        var request = event.request();
        var json = NODES.objectNode();
        json.put("http_method", request.method());
        json.putObject("url").put("path", request.path());
        if (request.userAgent() != null) {
            json.put("user_agent", request.userAgent());
        }
        json.put("uid", event.requestId());
        return json;
    }

    private static ArrayNode resources(AuditEvent.Operation operation) {
        var resources = NODES.arrayNode();
        if (operation.resourceType() != null) {
            var resource = resources.addObject().put("type", operation.resourceType());
            if (operation.resourceId() != null) {
                resource.put("uid", operation.resourceId());
            }
        }
        if (operation.datasetId() != null
                && !("dataset".equals(operation.resourceType()) && operation.datasetId().equals(operation.resourceId()))) {
            resources.addObject().put("type", "dataset").put("uid", operation.datasetId());
        }
        return resources;
    }

    private static ObjectNode unmapped(AuditEvent event) {
        var json = NODES.objectNode();
        json.put("seq", event.seal().seq());
        json.put("prev_hash", event.seal().prevHash().hex());
        json.put("hash", event.seal().hash().hex());
        json.put("severity", event.severity().label());
        json.put("result", Labels.of(event.outcome().result()));
        json.put("actor_type", Labels.of(event.actor().type()));
        json.put("auth_method", event.actor().authMethod());
        json.set("roles", strings(event.actor().roles()));
        json.set("scopes", strings(event.actor().scopes()));
        if (event.revision() != null) {
            json.putObject("revision").put("before", event.revision().before()).put("after", event.revision().after());
        }
        json.set("details", event.details().toJson());
        return json;
    }

    private static ArrayNode strings(List<String> values) {
        var array = NODES.arrayNode(values.size());
        values.forEach(array::add);
        return array;
    }
}
