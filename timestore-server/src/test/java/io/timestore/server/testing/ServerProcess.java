package io.timestore.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code timestore serve} as a separate operating-system process, for what only a real process
 * shows: signals, exit codes, stdout, restarts on the same data directory.
 */
public final class ServerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private final Thread errorReader;

    private ServerProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().start(() -> {
            try (var lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                lines.lines().forEach(stdout::add);
            } catch (IOException | UncheckedIOException e) {
                stdout.add("{\"msg\":\"(test harness: stdout closed: " + e.getMessage() + ")\"}");
            }
        });
        // Kept for assertions and still shown in the test's output, as an inherited stderr was.
        this.errorReader = Thread.ofPlatform().daemon().start(() -> {
            try (var lines = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                lines.lines().forEach(line -> {
                    stderr.add(line);
                    System.err.println(line);
                });
            } catch (IOException | UncheckedIOException e) {
                stderr.add("(test harness: stderr closed: " + e.getMessage() + ")");
            }
        });
    }

    /** Starts {@code timestore serve --port 0 --data-dir DIR extraArgs...} with this JVM's classpath. */
    public static ServerProcess serve(Path dataDir, String... extraArgs) {
        return serve(dataDir, java.util.Map.of(), extraArgs);
    }

    /** As {@link #serve(Path, String...)}, with {@code environment} added to this JVM's (e.g. {@code TIMESTORE_DB_URL}). */
    public static ServerProcess serve(Path dataDir, java.util.Map<String, String> environment, String... extraArgs) {
        var command = new ArrayList<String>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"),
                "io.timestore.server.cli.Main", "serve", "--port", "0", "--data-dir", dataDir.toString()));
        command.addAll(List.of(extraArgs));
        try {
            var builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            var process = builder.start();
            return new ServerProcess(process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code bin/timestore arguments...} of the repository at {@code root}: the launcher and the
     * packaged build it runs, with this JVM's environment but its {@code TIMESTORE_*} variables, and
     * {@code environment} added. For tests run after {@code package} (failsafe's {@code *IT} classes).
     */
    public static ServerProcess launcher(Path root, java.util.Map<String, String> environment, String... arguments) {
        var command = new ArrayList<String>(List.of(root.resolve("bin/timestore").toString()));
        command.addAll(List.of(arguments));
        var builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("TIMESTORE_"));
        builder.environment().putAll(environment);
        try {
            return new ServerProcess(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the startup line and returns the server's base URI. */
    public URI awaitListening(Duration timeout) {
        Await.until("the server logs that it listens (stdout so far: " + stdout + ")", timeout,
                () -> startupLine().isPresent() || !process.isAlive());
        var line = startupLine().orElseThrow(() -> new AssertionError("server exited with " + process.exitValue() + ": " + stdout));
        return URI.create("http://127.0.0.1:" + line.get("port").asInt());
    }

    /** Waits for a stdout line (in any log format) containing {@code text}. */
    public String awaitLineContaining(String text, Duration timeout) {
        Await.until("stdout has a line containing '" + text + "' (so far: " + stdout + ")", timeout,
                () -> stdout.stream().anyMatch(l -> l.contains(text)) || !process.isAlive());
        return stdout.stream().filter(l -> l.contains(text)).findFirst()
                .orElseThrow(() -> new AssertionError("server exited with " + process.exitValue() + ": " + stdout));
    }

    private Optional<JsonNode> startupLine() {
        return jsonLines().stream().filter(line -> line.path("msg").asText().contains(" listening on ")).findFirst();
    }

    /** Every stdout line parsed as JSON; a line that is not JSON fails the caller's test. */
    public List<JsonNode> jsonLines() {
        var parsed = new ArrayList<JsonNode>();
        for (var line : stdout) {
            try {
                parsed.add(JSON.readTree(line));
            } catch (IOException e) {
                throw new AssertionError("stdout line is not JSON: " + line, e);
            }
        }
        return parsed;
    }

    public List<String> stdout() {
        return List.copyOf(stdout);
    }

    /** What the process wrote to stderr so far (complete once {@link #awaitExit} returned). */
    public List<String> stderr() {
        return List.copyOf(stderr);
    }

    /** The server's process id, e.g. to tell it from the owner a data directory names. */
    public long pid() {
        return process.pid();
    }

    /** Waits for the process to exit on its own and returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("server still running after " + timeout + " (stdout: " + stdout + ", stderr: " + stderr + ")");
        }
        reader.join(Duration.ofSeconds(10));
        errorReader.join(Duration.ofSeconds(10));
        return process.exitValue();
    }

    /** Sends SIGTERM and waits for the exit code. */
    public int terminate(Duration timeout) throws InterruptedException {
        // Through the handle: Process.destroy() would also close our end of stdout and lose the last lines.
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("server did not stop within " + timeout + " after SIGTERM");
        }
        // The pipe may still hold the last lines; read them before anyone looks.
        reader.join(Duration.ofSeconds(10));
        return process.exitValue();
    }

    /** Sends SIGKILL: no shutdown hooks, no cleanup. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
