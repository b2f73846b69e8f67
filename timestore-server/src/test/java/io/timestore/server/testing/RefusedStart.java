package io.timestore.server.testing;

import io.timestore.server.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code timestore serve} run in this JVM through {@code cli.Main}, as an operator starts it, with
 * a configuration that must stop it before it listens: its exit code and what it wrote to stderr
 * (trimmed). A configuration that does not stop it would leave the server running, so use this
 * only for settings that are refused.
 */
public record RefusedStart(int exitCode, String err) {
    /** {@code serve} with {@code yaml} as its configuration file (written to {@code dir/timestore.yaml}) and no environment. */
    public static RefusedStart withConfig(Path dir, String yaml) throws IOException {
        var config = dir.resolve("timestore.yaml");
        Files.writeString(config, yaml);
        return serve(dir, Map.of(), "--config", config.toString());
    }

    /** {@code serve} without a configuration file, with {@code environment} as its whole environment. */
    public static RefusedStart withEnvironment(Path dir, Map<String, String> environment) {
        return serve(dir, environment);
    }

    private static RefusedStart serve(Path dir, Map<String, String> environment, String... more) {
        var args = new java.util.ArrayList<>(List.of("serve", "--port", "0", "--data-dir", dir.resolve("data").toString()));
        args.addAll(List.of(more));
        var err = new ByteArrayOutputStream();
        int code = Main.run(args.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), environment);
        return new RefusedStart(code, err.toString(StandardCharsets.UTF_8).strip());
    }
}
