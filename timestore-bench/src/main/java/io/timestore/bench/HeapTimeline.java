package io.timestore.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The heap after a full collection, taken every few seconds while a phase runs (issue 23's "heap
 * flat over a sustained run, compactor included"): one line per sample with what {@code progress}
 * reports at that moment, and at the end whether the second half of the run held more live heap
 * than the first. A start and an end figure alone would miss a heap that grows and is then freed.
 *
 * <p>Each sample is a {@code System.gc()} (a full, stop-the-world collection with G1's default
 * settings): tens of milliseconds on a heap of this size, once per interval, so it slows the
 * measured phase by well under one percent at the default of 10 s.
 */
final class HeapTimeline implements AutoCloseable {
    /** One sample: seconds since the start, live heap in bytes, and what the progress probe said. */
    record Sample(double seconds, long liveBytes, String progress) {}

    private final long started = System.nanoTime();
    private final List<Sample> samples = new ArrayList<>();
    private final Thread sampler;

    /**
     * Starts sampling every {@code everySeconds}; {@code progress} (e.g. points written and chunks
     * folded so far) runs on the sampling thread and must not take long.
     */
    HeapTimeline(int everySeconds, Callable<String> progress) {
        sampler = Thread.ofPlatform().daemon().name("heap-timeline").start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(everySeconds * 1_000L);
                    sample(progress);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void sample(Callable<String> progress) {
        System.gc();
        long live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        String said;
        try {
            said = progress.call();
        } catch (Exception e) {
            said = "progress unknown (" + e.getClass().getSimpleName() + ")";
        }
        var sample = new Sample((System.nanoTime() - started) / 1e9, live, said);
        synchronized (samples) {
            samples.add(sample);
        }
        System.out.printf("heap-after-gc at %6.1f s: %6.1f MiB; %s%n", sample.seconds(), live / 1048576.0, said);
    }

    /** Stops sampling and prints the summary line. */
    @Override
    public void close() throws InterruptedException {
        sampler.interrupt();
        sampler.join();
        List<Sample> taken;
        synchronized (samples) {
            taken = List.copyOf(samples);
        }
        if (taken.size() < 2) {
            System.out.println("RESULT heap-timeline: fewer than two samples (the phase ended before the second interval)");
            return;
        }
        var firstHalf = taken.subList(0, taken.size() / 2);
        var secondHalf = taken.subList(taken.size() / 2, taken.size());
        System.out.printf("RESULT heap-timeline: %d samples over %.0f s, live heap min %.1f / max %.1f MiB; "
                        + "max of the first half %.1f MiB, of the second half %.1f MiB; first %.1f, last %.1f MiB%n",
                taken.size(), taken.getLast().seconds(), mib(min(taken)), mib(max(taken)), mib(max(firstHalf)),
                mib(max(secondHalf)), mib(taken.getFirst().liveBytes()), mib(taken.getLast().liveBytes()));
    }

    private static long max(List<Sample> samples) {
        return samples.stream().mapToLong(Sample::liveBytes).max().orElseThrow();
    }

    private static long min(List<Sample> samples) {
        return samples.stream().mapToLong(Sample::liveBytes).min().orElseThrow();
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
