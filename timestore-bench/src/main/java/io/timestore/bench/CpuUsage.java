package io.timestore.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * CPU time spent by this JVM (server and load generator together), by the embedded PostgreSQL
 * cluster (postmaster and every backend) and by the whole machine, read from {@code /proc} on
 * Linux. Divided by the requests served between two samples it gives the CPU cost of a request,
 * a figure far steadier on a shared 2-core machine than throughput or latency.
 */
final class CpuUsage {
    /** Cumulative CPU nanoseconds at one moment; PostgreSQL's is empty when it cannot be read. */
    record Sample(long jvm, Optional<Long> postgres, long machine) {
        /** CPU of this JVM and of the PostgreSQL cluster between this sample and {@code later}: this process's whole cost. */
        long processNanos(Sample later) {
            return later.jvm - jvm + later.postgres.orElse(0L) - postgres.orElse(0L);
        }

        String perRequest(Sample later, long requests) {
            double n = Math.max(requests, 1);
            String pg = postgres.isPresent() && later.postgres.isPresent()
                    ? "%.3f ms".formatted((later.postgres.get() - postgres.get()) / n / 1e6) : "unknown";
            return "JVM (server and client) %.3f ms, PostgreSQL %s, whole machine %.3f ms"
                    .formatted((later.jvm - jvm) / n / 1e6, pg, (later.machine - machine) / n / 1e6);
        }
    }

    // USER_HZ: the unit of /proc times; 100 on every Linux architecture this runs on.
    private static final long NANOS_PER_TICK = 10_000_000L;
    private final Path postmasterPidFile;

    /** @param clusterDirectory the PostgreSQL data directory, holding {@code postmaster.pid} */
    CpuUsage(Path clusterDirectory) {
        this.postmasterPidFile = clusterDirectory.resolve("postmaster.pid");
    }

    Sample sample() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return new Sample(os.getProcessCpuTime(), postgres(), machine());
    }

    /** CPU time of one process (all its threads, not its children), empty when it cannot be read. */
    static Optional<Long> processTime(long pid) {
        return stat(pid).map(f -> (f[1] + f[2]) * NANOS_PER_TICK);
    }

    /**
     * CPU time of one JVM's JIT compiler threads (HotSpot names them "C1 CompilerThreadN" and
     * "C2 CompilerThreadN"; /proc keeps the first 15 bytes), empty when they cannot be read. A
     * fresh server compiles its request path while it serves: this tells how much of a measured
     * window's CPU went to that rather than to the requests.
     */
    static Optional<Long> compilerTime(long pid) {
        try (Stream<Path> threads = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            long ticks = 0;
            for (Path thread : threads.toList()) {
                // A thread that ended between the listing and the read has no name and no time to report.
                String name = threadName(thread);
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    ticks += stat(thread.resolve("stat")).map(f -> f[1] + f[2]).orElse(0L);
                }
            }
            return Optional.of(ticks * NANOS_PER_TICK);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String threadName(Path thread) {
        try {
            return Files.readString(thread.resolve("comm")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** CPU time of the PostgreSQL cluster: the postmaster, its reaped children and every live backend. */
    Optional<Long> postgres() {
        try {
            long postmaster = Long.parseLong(Files.readAllLines(postmasterPidFile).getFirst().trim());
            // The postmaster's own time plus its reaped children's, then every live backend.
            long[] own = stat(postmaster).orElseThrow();
            long ticks = own[1] + own[2] + own[3] + own[4];
            try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
                for (Path process : processes.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                    var child = stat(Long.parseLong(process.getFileName().toString()));
                    if (child.isPresent() && child.get()[0] == postmaster) {
                        ticks += child.get()[1] + child.get()[2];
                    }
                }
            }
            return Optional.of(ticks * NANOS_PER_TICK);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** User and system CPU time of one process (such as one PostgreSQL backend), 0 if it is gone. */
    static long processNanos(long pid) {
        return stat(pid).map(f -> (f[1] + f[2]) * NANOS_PER_TICK).orElse(0L);
    }

    /** {ppid, utime, stime, cutime, cstime} of a process, empty if it is gone. */
    private static Optional<long[]> stat(long pid) {
        return stat(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /** The same fields from a stat file: a process's, or one thread's ({@code /proc/<pid>/task/<tid>/stat}). */
    private static Optional<long[]> stat(Path file) {
        try {
            String line = Files.readString(file);
            // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
            String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return Optional.of(new long[] {Long.parseLong(f[1]), Long.parseLong(f[11]), Long.parseLong(f[12]),
                    Long.parseLong(f[13]), Long.parseLong(f[14])});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Busy time of all CPUs: user, nice, system, irq, softirq and steal from the first line of /proc/stat. */
    static long machine() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
            return busy * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
