package io.timestore.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The embedded PostgreSQL of a data directory as the operating system sees it: the postmaster
 * named in {@code <data-dir>/postgres/postmaster.pid} and the processes it forked, for tests that
 * kill, stop or resume the database under a running server.
 */
public final class Postmaster {
    private Postmaster() {}

    /** The live postmaster of {@code dataDir}'s cluster, if its pid file names one. */
    public static Optional<ProcessHandle> find(Path dataDir) {
        var pidFile = dataDir.resolve("postgres/postmaster.pid");
        try {
            var lines = Files.readAllLines(pidFile);
            return lines.isEmpty() ? Optional.empty()
                    : ProcessHandle.of(Long.parseLong(lines.getFirst().strip())).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // no pid file, or one being rewritten
        }
    }

    /** The live postmaster of {@code dataDir}'s cluster; fails the test when there is none. */
    public static ProcessHandle of(Path dataDir) {
        return find(dataDir).orElseThrow(() -> new AssertionError("no live postmaster in " + dataDir.resolve("postgres")));
    }

    /** The postmaster and everything it forked: backends, checkpointer, WAL writer, ... */
    public static List<ProcessHandle> withDescendants(ProcessHandle postmaster) {
        return Stream.concat(Stream.of(postmaster), postmaster.descendants()).toList();
    }

    /**
     * Sends {@code signal} (e.g. {@code STOP}, {@code CONT}) to every process with {@code kill}; one
     * that exited meanwhile (a backend whose session ended) is skipped.
     */
    public static void signal(String signal, List<ProcessHandle> processes) {
        var command = new ArrayList<>(List.of("kill", "-" + signal));
        processes.forEach(p -> command.add(Long.toString(p.pid())));
        try {
            var kill = new ProcessBuilder(command).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                throw new AssertionError("'" + String.join(" ", command) + "' did not finish");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
