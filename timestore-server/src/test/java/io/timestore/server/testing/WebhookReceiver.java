package io.timestore.server.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real webhook receiver in the test JVM (the JDK's HTTP server on loopback) that verifies the
 * Standard Webhooks signature the way a receiver would, written here from the specification rather
 * than with the sink's own signing code: HMAC-SHA256 under the base64-decoded part of
 * {@code whsec_...} over {@code id + "." + timestamp + "." + body}, compared in constant time
 * against each {@code v1,} entry of {@code webhook-signature}. It answers {@link #answer(int)}.
 */
public final class WebhookReceiver implements AutoCloseable {
    /** One request as received. */
    public record Received(Map<String, List<String>> headers, byte[] body, boolean signatureValid) {
        public String header(String name) {
            var values = headers.get(name);
            return values == null ? null : values.getFirst();
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private volatile byte[] key;
    private final AtomicInteger status = new AtomicInteger(204);
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch hold;
    private HttpServer server;
    private int port;

    private WebhookReceiver(String secret) {
        this.key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    }

    /** Starts a receiver on a free loopback port, verifying signatures made with {@code secret}. */
    public static WebhookReceiver start(String secret) {
        var receiver = new WebhookReceiver(secret);
        receiver.listen(0);
        return receiver;
    }

    /** A fresh Standard Webhooks secret of 32 random bytes. */
    public static String newSecret() {
        var bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        return "whsec_" + Base64.getEncoder().encodeToString(bytes);
    }

    /** The URL of path {@code /hook} on this receiver, by loopback address or by {@code localhost}. */
    public URI url(String host) {
        return URI.create("http://%s:%d/hook".formatted(host, port));
    }

    /** Verifies with {@code secret} from now on (e.g. a secret shown only when the endpoint was registered). */
    public WebhookReceiver keyWith(String secret) {
        key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        return this;
    }

    public WebhookReceiver answer(int newStatus) {
        status.set(newStatus);
        return this;
    }

    /** Until {@link #release()}, requests wait without an answer (a receiver that hangs). */
    public WebhookReceiver hang() {
        hold = new CountDownLatch(1);
        return this;
    }

    public void release() {
        var latch = hold;
        hold = null;
        if (latch != null) {
            latch.countDown();
        }
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Stops listening: connections are refused until {@link #restart()}. */
    public void stop() {
        release();
        server.stop(0);
    }

    /** Listens again on the same port. */
    public void restart() {
        listen(port);
    }

    private void listen(int onPort) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        port = server.getAddress().getPort();
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            var body = exchange.getRequestBody().readAllBytes();
            var headers = exchange.getRequestHeaders();
            var lower = new java.util.TreeMap<String, List<String>>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach(lower::put);
            received.add(new Received(lower, body, verify(lower, body)));
            var latch = hold;
            if (latch != null) {
                try {
                    latch.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(status.get(), -1);
        }
    }

    private boolean verify(Map<String, List<String>> headers, byte[] body) {
        var id = headers.get("webhook-id");
        var timestamp = headers.get("webhook-timestamp");
        var signatures = headers.get("webhook-signature");
        if (id == null || timestamp == null || signatures == null) {
            return false;
        }
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id.getFirst() + "." + timestamp.getFirst() + ".").getBytes(StandardCharsets.UTF_8));
            var expected = mac.doFinal(body);
            for (var entry : signatures.getFirst().split(" ")) {
                if (entry.startsWith("v1,")
                        && MessageDigest.isEqual(expected, Base64.getDecoder().decode(entry.substring(3)))) {
                    return true;
                }
            }
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
