package io.timestore.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;

/** A response as the client saw it. */
public record ApiResponse(int statusCode, HttpHeaders headers, String body) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public String contentType() {
        return headers.firstValue("Content-Type").orElse("");
    }

    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }

    public String requestId() {
        return header("X-Request-ID");
    }

    public JsonNode json() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON (status %d): %s".formatted(statusCode, body), e);
        }
    }
}
