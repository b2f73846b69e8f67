package io.timestore.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One {@code timestore} command (token, migrate, audit ...) run as an operator runs it: a process
 * of its own, in a working directory of the test's choosing (where {@code ./data} is looked for),
 * with this JVM's classpath and no {@code TIMESTORE_*} variables but those given.
 */
public final class CliProcess {
    private CliProcess() {}

    /** What the command did. */
    public record Result(int exitCode, String out, String err) {}

    public static Result run(Path workingDirectory, Duration timeout, String... args) {
        var command = new ArrayList<String>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"),
                "io.timestore.server.cli.Main"));
        command.addAll(List.of(args));
        var builder = new ProcessBuilder(command).directory(workingDirectory.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("TIMESTORE_"));
        try {
            var process = builder.start();
            var out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            var err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("timestore " + String.join(" ", args) + " did not finish within " + timeout
                        + " (stderr: " + err.getNow("") + ")");
            }
            return new Result(process.exitValue(), out.get(), err.get());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private static String read(java.io.InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
