package io.timestore.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Line-protocol writers: {@code writers} platform threads take the next {@code batch}-line body of
 * a {@link LinePayload} in turn and POST it, each waiting for the answer (204) before its next
 * body. {@link IngestLoad} runs them in its own JVM; {@link PeerLoad} runs them as a child JVM
 * ({@link #main}), so that the server's CPU time is measured without the load generator's.
 *
 * <p>As a child: options {@code --url U --measurement M --series N --interval-ns N --warmup N
 * --points N --batch N --writers N}, the {@code Authorization} header (if any) in the environment
 * variable {@code BENCH_AUTHORIZATION} (not on the command line, where {@code ps} shows it). It
 * writes points {@code [0, warmup)} first, prints {@code READY}, waits for a line on standard
 * input, writes points {@code [warmup, warmup + points)}, prints
 * {@code DONE <points> <nanoseconds> <median batch ns> <p95 batch ns> <nanoseconds to half the points>} and exits.
 */
final class LineWriters {
    /**
     * What one run wrote and how long it took; {@code halfNanos} is when half of the points were
     * acknowledged, so the second half's rate shows the server after the run's own warm-up.
     */
    record Result(long points, long nanos, double medianNs, double p95Ns, long halfNanos) {
        double seconds() {
            return nanos / 1e9;
        }

        double pointsPerSecond() {
            return points / seconds();
        }

        /** Points per second over the second half of the points (from the acknowledgement that completed the first half). */
        double secondHalfPointsPerSecond() {
            return (points - points / 2) / ((nanos - halfNanos) / 1e9);
        }
    }

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final URI write;
    private final String authorization;

    /** @param authorization the {@code Authorization} header, or null to send none */
    LineWriters(URI write, String authorization) {
        this.write = write;
        this.authorization = authorization;
    }

    void send(byte[] body) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(write).header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        var response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 204) {
            throw new IllegalStateException("write answered %d: %s".formatted(response.statusCode(), response.body()));
        }
    }

    /** Points {@code [from, from + points)} in {@code batch}-line bodies by {@code writers} threads; progress every million points. */
    Result run(LinePayload payload, long from, long points, int batch, int writers) throws InterruptedException {
        long batches = points / batch;
        var next = new AtomicLong();
        var done = new AtomicLong();
        var halfDone = new AtomicLong(); // when done first reached half of the points
        var latencies = new ConcurrentLinkedQueue<Long>();
        var failures = new ConcurrentLinkedQueue<Throwable>();
        var finished = new CountDownLatch(writers);
        long started = System.nanoTime();
        for (int w = 0; w < writers; w++) {
            Thread.ofPlatform().name("writer-" + w).start(() -> {
                try {
                    for (long b; (b = next.getAndIncrement()) < batches; ) {
                        byte[] body = payload.lines(from + b * batch, batch);
                        long t = System.nanoTime();
                        send(body);
                        latencies.add(System.nanoTime() - t);
                        if (done.addAndGet(batch) >= points / 2) {
                            halfDone.compareAndSet(0, System.nanoTime() - started);
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                    next.set(batches);
                } finally {
                    finished.countDown();
                }
            });
        }
        long reported = 0;
        long lastTime = started;
        long lastDone = 0;
        while (!finished.await(1, TimeUnit.SECONDS)) {
            long now = System.nanoTime();
            long d = done.get();
            if (d - reported >= 1_000_000) {
                reported = d;
                System.out.printf("  %,d points after %.1f s: %,.0f points/s since last report%n", d, (now - started) / 1e9,
                        (d - lastDone) / ((now - lastTime) / 1e9));
                lastTime = now;
                lastDone = d;
            }
        }
        long nanos = System.nanoTime() - started;
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a writer failed", failures.peek());
        }
        return new Result(done.get(), nanos, IngestLoad.percentile(latencies, 0.5), IngestLoad.percentile(latencies, 0.95),
                halfDone.get());
    }

    public static void main(String[] args) throws Exception {
        var options = BenchOptions.parse(args);
        var payload = new LinePayload(options.get("measurement"), Integer.parseInt(options.get("series")),
                Long.parseLong(options.get("interval-ns")));
        var writers = new LineWriters(URI.create(options.get("url")), System.getenv("BENCH_AUTHORIZATION"));
        long warmup = Long.parseLong(options.get("warmup"));
        int batch = Integer.parseInt(options.get("batch"));
        for (long k = 0; k < warmup; k += batch) {
            writers.send(payload.lines(k, (int) Math.min(batch, warmup - k)));
        }
        System.out.println("READY");
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        if (in.readLine() == null) {
            System.exit(1);
        }
        var result = writers.run(payload, warmup, Long.parseLong(options.get("points")), batch,
                Integer.parseInt(options.get("writers")));
        System.out.printf("DONE %d %d %.0f %.0f %d%n", result.points(), result.nanos(), result.medianNs(), result.p95Ns(),
                result.halfNanos());
        System.exit(0);
    }
}
