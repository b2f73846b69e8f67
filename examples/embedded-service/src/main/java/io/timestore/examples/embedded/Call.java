package io.timestore.examples.embedded;

import com.sun.net.httpserver.HttpExchange;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * One received request, as the service and its audit event see it.
 *
 * @param uid        the service-generated identity of this request: the audit event id derives from
 *                   it ({@code EventIds.forRequest}), never from a client-supplied header a client may repeat
 * @param requestId  the accepted {@code X-Request-ID}, or {@code uid}
 * @param traceId    the W3C trace id from {@code traceparent}, or a new one
 * @param receivedAt when the request arrived ({@code occurred_at})
 */
record Call(UUID uid, String requestId, String traceId, Instant receivedAt, String method, String path,
        String sourceIp, String userAgent, List<String> authorization, List<String> tenantHeader) {
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final String NO_TRACE = "0".repeat(32);

    static Call of(HttpExchange exchange, Instant receivedAt) {
        var headers = exchange.getRequestHeaders();
        var uid = UUID.randomUUID();
        String requestId = Optional.ofNullable(headers.getFirst("X-Request-ID"))
                .filter(id -> REQUEST_ID.matcher(id).matches()).orElse(uid.toString());
        String traceId = Optional.ofNullable(headers.getFirst("traceparent"))
                .map(TRACEPARENT::matcher).filter(m -> m.matches()).map(m -> m.group(1))
                .filter(id -> !id.equals(NO_TRACE))
                .orElseGet(() -> HexFormat.of().formatHex(randomBytes()));
        return new Call(uid, requestId, traceId, receivedAt, exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRemoteAddress().getAddress().getHostAddress(), headers.getFirst("User-Agent"),
                headers.getOrDefault("Authorization", List.of()), headers.getOrDefault("X-Tenant-ID", List.of()));
    }

    private static byte[] randomBytes() {
        var bytes = new byte[16];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
