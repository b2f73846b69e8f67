package io.timestore.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers requests Jetty refuses before they become requests — unparseable HTTP, header blocks
 * over the limit (431), request lines too long (414) — with an RFC 9457 problem instead of
 * Jetty's HTML page. No route, tenant or principal exists at that point, so there is no audit
 * event (docs/audit-events.md); such refusals are counted in
 * {@code timestore_http_protocol_errors_total{status}}.
 */
final class ProtocolErrors extends ErrorHandler {
    private final MeterRegistry registry;

    ProtocolErrors(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE));
        return ByteBuffer.wrap(problem(status));
    }

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
        response.write(true, ByteBuffer.wrap(problem(status)), callback);
    }

    private byte[] problem(int status) {
        Counter.builder("timestore.http.protocol.errors")
                .description("Requests refused by the HTTP parser before reaching a route")
                .tag("status", Integer.toString(status)).register(registry).increment();
        var code = switch (status) {
            case 431 -> "request_header_too_large";
            case 414 -> "uri_too_long";
            case 413 -> "payload_too_large";
            default -> "bad_http_message";
        };
        return """
                {"type":"https://timestore.dev/problems/%s","title":"Bad HTTP message","status":%d,\
                "detail":"the server could not read this HTTP request (%s)","code":"%s"}"""
                .formatted(code.replace('_', '-'), status, code.replace('_', ' '), code).getBytes(StandardCharsets.UTF_8);
    }
}
