package io.timestore.server.auditing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A response as a value: status, content type, the headers that belong to it ({@code Location},
 * {@code ETag}, ...) and the body. A mutation commits its reply with its change and its audit
 * event ({@link RequestAudit#commit(java.sql.Connection, Reply)}), so the reply kept under an
 * Idempotency-Key is exactly what the change answered. Immutable; the body array is not copied,
 * and must not be changed after construction.
 */
public record Reply(int status, Optional<String> contentType, Map<String, String> headers, byte[] body) {
    private static final ObjectWriter JSON = new ObjectMapper().writer();
    public static final String JSON_TYPE = "application/json";

    public Reply {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be 100-599, was " + status);
        }
        Objects.requireNonNull(contentType, "contentType");
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(headers, "headers")));
        Objects.requireNonNull(body, "body");
    }

    /** A reply without a body, e.g. 204. */
    public static Reply empty(int status) {
        return new Reply(status, Optional.empty(), Map.of(), new byte[0]);
    }

    /** A reply with {@code body} as compact JSON ({@code application/json}). */
    public static Reply json(int status, JsonNode body) {
        try {
            return new Reply(status, Optional.of(JSON_TYPE), Map.of(), JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** This reply with one more header ({@code name} replaced if present). */
    public Reply withHeader(String name, String value) {
        var more = new LinkedHashMap<>(headers);
        more.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new Reply(status, contentType, more, body);
    }

    @Override
    public String toString() {
        return "Reply[status=%d, contentType=%s, headers=%s, body=%d bytes]".formatted(status, contentType.orElse("-"),
                headers, body.length);
    }
}
