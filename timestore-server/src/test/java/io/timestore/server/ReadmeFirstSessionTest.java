package io.timestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.ServerProcess;
import io.timestore.server.testing.Transcript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first session, run as a newcomer runs it: every command of its {@code ```sh} blocks,
 * in order, in one bash session, from a directory laid out like the repository root, against a
 * fresh server, each compared with the output the README shows. Its Java program is saved under
 * the name of its class and run by the README's own command, with the classpath the README fetches.
 *
 * <p>Two stand-ins, because the tests run before the jar is packaged: {@code bin/timestore} runs
 * the same CLI from this JVM's classpath, and the server is {@code timestore serve} on a free
 * port with {@code ./data} as its data directory, as {@code bin/timestore serve} has it. The
 * README's {@code localhost:8080} is replaced by that port; nothing else is changed.
 */
class ReadmeFirstSessionTest {
    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final String BEGIN = "<!-- first-session:begin";
    private static final String END = "<!-- first-session:end -->";
    private static final String README_ADDRESS = "localhost:8080";

    @TempDir
    Path temp;

    @Test
    void every_command_of_the_readme_first_session_prints_what_the_readme_shows_against_a_fresh_server() throws Exception {
        var section = Transcript.section(Files.readString(REPOSITORY.resolve("README.md")), BEGIN, END);
        var transcript = Transcript.parse(section);
        assertThat(section).as("the README names the server it talks to").contains(README_ADDRESS);
        assertThat(transcript.steps()).as("the first session has commands").isNotEmpty();
        assertThat(transcript.sources()).allSatisfy(source -> assertThat(transcript.steps())
                .as("a command runs %s", source.name()).anySatisfy(step -> assertThat(step.command()).contains(source.name())));

        var session = Files.createDirectories(temp.resolve("session"));
        var results = Files.createDirectories(temp.resolve("results"));
        layOutLikeTheRepository(session);

        try (var server = ServerProcess.serve(session.resolve("data"))) {
            var base = server.awaitListening(Duration.ofSeconds(90));
            var api = new Api(base);
            Await.until("the server is ready", Duration.ofSeconds(60), () -> api.get("/readyz").statusCode() == 200);
            var address = "localhost:" + base.getPort();
            for (var source : transcript.sources()) {
                Files.writeString(session.resolve(source.name()), source.text().replace(README_ADDRESS, address));
            }
            var steps = transcript.steps().stream()
                    .map(step -> new Transcript.Step(step.command().replace(README_ADDRESS, address), step.expected()))
                    .toList();

            runInOneBashSession(steps, session, results);

            for (int i = 0; i < steps.size(); i++) {
                var step = steps.get(i);
                var exitFile = results.resolve(i + ".rc");
                var output = Files.exists(results.resolve(i + ".out")) ? Files.readString(results.resolve(i + ".out")) : "";
                var context = "README first session, command %d:%n$ %s%nprinted:%n%s%nREADME shows:%n%s%nserver log (last lines):%n%s"
                        .formatted(i + 1, step.command(), output, step.expected(), tail(server.stdout()));
                assertThat(exitFile).as("the command ran (an earlier one failed?)%n%s", context).exists();
                assertThat(Files.readString(exitFile).strip()).as("exit status%n%s", context).isEqualTo("0");
                assertThat(Transcript.mismatch(step.expected(), output)).as("output%n%s", context).isEmpty();
            }
        }
    }

    /**
     * What the README's commands need from the repository root: {@code bin/timestore},
     * {@code ./mvnw} and the {@code examples} directory (without build output).
     */
    private static void layOutLikeTheRepository(Path session) throws IOException {
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        executable(session.resolve("bin/timestore"), """
                #!/usr/bin/env bash
                # ReadmeFirstSessionTest's bin/timestore: the same CLI, from the classes under test
                # (a short-lived process: the quick compiler only).
                exec %s -XX:TieredStopAtLevel=1 -cp %s io.timestore.server.cli.Main "$@"
                """.formatted(quoted(java), quoted(System.getProperty("java.class.path"))));
        executable(session.resolve("mvnw"), """
                #!/usr/bin/env bash
                exec %s "$@"
                """.formatted(quoted(REPOSITORY.resolve("mvnw").toString())));
        var examples = REPOSITORY.resolve("examples");
        try (var files = Files.walk(examples)) {
            for (var file : files.filter(Files::isRegularFile).toList()) {
                var relative = examples.relativize(file);
                if (!isBuildOutput(relative)) {
                    var copy = session.resolve("examples").resolve(relative);
                    Files.createDirectories(copy.getParent());
                    Files.copy(file, copy);
                }
            }
        }
    }

    /**
     * Runs the commands in order in one bash process, so variables carry from one to the next as
     * in a terminal; each one's stdout and stderr go to {@code N.out}, its exit status to
     * {@code N.rc}. The session stops at the first command that fails.
     */
    private static void runInOneBashSession(List<Transcript.Step> steps, Path session, Path results) throws Exception {
        var script = new StringBuilder();
        for (int i = 0; i < steps.size(); i++) {
            var out = quoted(results.resolve(i + ".out").toString());
            var rc = quoted(results.resolve(i + ".rc").toString());
            script.append("{\n").append(steps.get(i).command()).append("\n} >").append(out).append(" 2>&1 </dev/null\n")
                    .append("status=$?; echo $status >").append(rc).append("; [ $status -eq 0 ] || exit 0\n");
        }
        var file = Files.writeString(results.resolve("session.sh"), script);
        var javaHome = System.getProperty("java.home");
        var bash = new ProcessBuilder("bash", "--noprofile", "--norc", file.toString())
                .directory(session.toFile())
                .redirectErrorStream(true)
                .redirectOutput(results.resolve("bash.log").toFile());
        var environment = bash.environment();
        environment.keySet().removeIf(name -> name.startsWith("TIMESTORE_"));
        environment.put("JAVA_HOME", javaHome);
        environment.put("PATH", Path.of(javaHome, "bin") + ":" + environment.getOrDefault("PATH", "/usr/bin:/bin"));
        var process = bash.start();
        // The Maven wrapper may download the InfluxDB client on a fresh machine.
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("the first session did not finish within 5 minutes; bash said: "
                    + Files.readString(results.resolve("bash.log")));
        }
        assertThat(process.exitValue()).as("bash ran the session script; it said: %s", Files.readString(results.resolve("bash.log")))
                .isZero();
    }

    private static boolean isBuildOutput(Path relative) {
        for (var name : relative) {
            if (name.toString().equals("target")) {
                return true;
            }
        }
        return false;
    }

    private static void executable(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static String tail(List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
