package io.timestore.server.http;

import java.util.HexFormat;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * W3C Trace Context for one request: the incoming {@code traceparent} is continued when valid
 * (same trace id, our own span id), otherwise a new trace starts.
 *
 * @param traceId 32 lower-case hex digits, never all zeros
 * @param spanId  16 lower-case hex digits of this server's span
 * @param sampled the incoming sampled flag (true for new traces)
 */
public record TraceContext(String traceId, String spanId, boolean sampled) {
    private static final Pattern TRACEPARENT =
            Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    private static final HexFormat HEX = HexFormat.of();

    public TraceContext {
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(spanId, "spanId");
    }

    /** Continues {@code header} when it is a valid version-00-compatible traceparent. */
    public static TraceContext continueOrStart(String header, RandomGenerator random) {
        if (header != null) {
            var matcher = TRACEPARENT.matcher(header.trim());
            if (matcher.matches() && !matcher.group(1).equals("ff")
                    && !matcher.group(2).equals("0".repeat(32)) && !matcher.group(3).equals("0".repeat(16))
                    && (matcher.group(1).equals("00") ? matcher.group(5) == null : true)) {
                boolean sampled = (Integer.parseInt(matcher.group(4), 16) & 1) == 1;
                return new TraceContext(matcher.group(2), newSpanId(random), sampled);
            }
        }
        return new TraceContext(randomHex(random, 16), newSpanId(random), true);
    }

    /** The traceparent to send back and downstream: our span as the parent. */
    public String traceparent() {
        return "00-%s-%s-%s".formatted(traceId, spanId, sampled ? "01" : "00");
    }

    private static String newSpanId(RandomGenerator random) {
        return randomHex(random, 8);
    }

    private static String randomHex(RandomGenerator random, int bytes) {
        var buffer = new byte[bytes];
        do {
            random.nextBytes(buffer);
        } while (allZero(buffer));
        return HEX.formatHex(buffer);
    }

    private static boolean allZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
