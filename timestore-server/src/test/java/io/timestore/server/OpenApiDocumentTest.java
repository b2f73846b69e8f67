package io.timestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.timestore.server.testing.ApiResponse;
import io.timestore.server.testing.TimestoreServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The hand-written openapi.yaml must describe exactly the routes the server has, and their real responses. */
class OpenApiDocumentTest {
    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create();

    private static JsonNode document() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(server.api().get("/openapi.yaml").body());
    }

    @Test
    void every_registered_route_is_documented_and_every_documented_route_exists() throws IOException {
        var documented = new HashSet<String>();
        document().get("paths").properties().forEach(path -> path.getValue().properties().forEach(operation ->
                documented.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey())));
        var registered = new HashSet<String>();
        server.timestore().routes().forEach(route -> registered.add(route.method() + " " + route.path()));

        assertThat(documented).containsExactlyInAnyOrderElementsOf(registered);
    }

    @Test
    void real_responses_use_documented_statuses_and_media_types() throws IOException {
        var paths = document().get("paths");
        var checked = new ArrayList<String>();
        for (var route : server.timestore().routes()) {
            if (!route.operational() || route.method().equals("HEAD")) {
                continue;
            }
            ApiResponse response = server.api().get(route.path());
            var documentedResponse = paths.get(route.path()).get("get").get("responses").get(Integer.toString(response.statusCode()));
            assertThat(documentedResponse).as("status %d of %s is documented", response.statusCode(), route.path()).isNotNull();
            if (response.statusCode() == 204) {
                assertThat(documentedResponse.has("content")).as("%s documents no body for 204", route.path()).isFalse();
                checked.add(route.path());
                continue;
            }
            var mediaType = response.contentType().split(";")[0].trim();
            assertThat(documentedResponse.get("content").has(mediaType))
                    .as("media type %s of %s is documented", mediaType, route.path()).isTrue();
            if (mediaType.equals("application/json")) {
                var schema = resolve(documentedResponse.get("content").get(mediaType).get("schema"));
                assertMatches(response.json(), schema, route.path());
            }
            checked.add(route.path());
        }
        assertThat(checked).contains("/healthz", "/readyz", "/metrics", "/openapi.yaml", "/ping", "/health");
    }

    /** Checks required members and closed objects: the parts of the schema these documents use. */
    private static void assertMatches(JsonNode body, JsonNode schema, String where) throws IOException {
        for (var required : iterable(schema.path("required"))) {
            assertThat(body.has(required.asText())).as("%s has required member %s", where, required.asText()).isTrue();
        }
        if (schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean()) {
            Set<String> allowed = new HashSet<>();
            schema.get("properties").fieldNames().forEachRemaining(allowed::add);
            body.fieldNames().forEachRemaining(name ->
                    assertThat(allowed).as("%s member %s is documented", where, name).contains(name));
        }
    }

    private static JsonNode resolve(JsonNode schema) throws IOException {
        if (schema.has("$ref")) {
            return document().at(schema.get("$ref").asText().substring(1));
        }
        return schema;
    }

    private static List<JsonNode> iterable(JsonNode array) {
        var out = new ArrayList<JsonNode>();
        array.forEach(out::add);
        return out;
    }
}
