package io.timestore.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.ProblemType;
import java.io.IOException;
import java.util.Locale;

/**
 * Reads JSON request bodies strictly: {@code Content-Type: application/json} (415 otherwise),
 * a single JSON object, no duplicate member names (a second "name" must not silently win).
 */
public final class JsonBodies {
    private final ObjectMapper json;

    public JsonBodies(ObjectMapper json) {
        this.json = json.copy().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    /** The body as a JSON object. */
    public JsonNode object(Context ctx) {
        var contentType = ctx.contentType();
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new InvalidRequest(ProblemType.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json");
        }
        JsonNode body;
        try {
            body = json.readTree(ctx.bodyAsBytes());
        } catch (JsonProcessingException e) {
            var location = e.getLocation();
            throw new InvalidRequest("the body is not valid JSON%s: %s".formatted(
                    location == null ? "" : " (line %d, column %d)".formatted(location.getLineNr(), location.getColumnNr()),
                    e.getOriginalMessage()));
        } catch (IOException e) {
            throw new InvalidRequest("the body could not be read");
        }
        if (body == null || !body.isObject()) {
            throw new InvalidRequest("the body must be a JSON object");
        }
        return body;
    }

    public ObjectMapper mapper() {
        return json;
    }
}
