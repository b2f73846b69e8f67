package io.timestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/timestore serve} and the JVM's AOT cache (docs/operations.md, "Warm-up"), with the
 * launcher and the packaged build it runs. A failsafe test, run after {@code package}: the JDK
 * maps a cache only for a class path of jars, which the surefire tests' class directories are not.
 */
@EnabledOnOs(value = OS.LINUX, disabledReason = "reads /proc/<pid>/maps to see that the JVM mapped the cache")
class LauncherAotCacheIT {
    private static final Duration START = Duration.ofMinutes(2);
    // The JVM writes the cache after the server's shutdown, in a child JVM of its own.
    private static final Duration STOP_AND_RECORD = Duration.ofMinutes(3);
    private static final String RECORDS = "this run records one";
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path work;

    @BeforeAll
    static void theBuildUnderTestIsUpToDate() throws IOException {
        // Tell the launcher so, as it tells itself after a build, so that a test source newer than
        // the jar does not start Maven inside Maven.
        Files.setLastModifiedTime(ROOT.resolve("timestore-server/target/timestore-server.jar"), FileTime.from(Instant.now()));
    }

    @Test
    void the_first_serve_records_the_cache_as_it_stops_and_the_next_serve_maps_it() throws Exception {
        Path aot = work.resolve("aot");
        var environment = environment(aot, Map.of("TIMESTORE_AOT_MIN_SECONDS", "0"));

        long recorder;
        try (var first = serve(environment)) {
            first.awaitListening(START);
            recorder = first.pid();
            assertThat(first.stderr()).anyMatch(line -> line.contains(RECORDS));
            assertThat(first.terminate(STOP_AND_RECORD)).as("exit status after SIGTERM").isZero();
            assertThat(first.jsonLines()).as("stdout is the server's JSON log, the JVM's recording lines on stderr").isNotEmpty();
        }
        var recorded = files(aot);
        assertThat(recorded).as("the recording and the marker of its start, nothing else").hasSize(2)
                .anySatisfy(file -> assertThat(file.getFileName().toString()).endsWith(".aot." + recorder + ".started"));
        var recording = recorded.stream().filter(file -> file.getFileName().toString().endsWith(".aot." + recorder)).findFirst().orElseThrow();
        assertThat(Files.size(recording)).isGreaterThan(1 << 20);

        try (var second = serve(environment)) {
            second.awaitListening(START);
            var cache = Path.of(recording.toString().replaceFirst("\\.\\d+$", ""));
            assertThat(files(aot)).as("the recording adopted under the build's name").containsExactly(cache);
            assertThat(second.stderr()).noneMatch(line -> line.contains(RECORDS)).noneMatch(line -> line.contains("[aot]"));
            assertThat(Files.readString(Path.of("/proc", Long.toString(second.pid()), "maps")))
                    .as("the JVM mapped the cache").contains(cache.toString());
            assertThat(second.terminate(START)).as("exit status after SIGTERM").isZero();
            assertThat(second.jsonLines()).isNotEmpty();
        }
        assertThat(files(aot)).as("nothing recorded again").hasSize(1);
    }

    @Test
    void a_run_shorter_than_the_minimum_is_not_adopted_and_the_next_run_records_again() throws Exception {
        Path aot = work.resolve("aot");
        // A refused start (exit status 2) still ends through the JVM's exit, which writes the cache.
        var environment = environment(aot, Map.of("TIMESTORE_LIMITS_TENANT_MAX_SERIES", "-3"));

        long first;
        try (var refused = serve(environment)) {
            assertThat(refused.awaitExit(STOP_AND_RECORD)).isEqualTo(2);
            first = refused.pid();
        }
        assertThat(files(aot)).anySatisfy(file -> assertThat(file.getFileName().toString()).endsWith(".aot." + first));

        try (var again = serve(environment)) {
            assertThat(again.awaitExit(STOP_AND_RECORD)).isEqualTo(2);
            assertThat(again.stderr()).anyMatch(line -> line.contains(RECORDS));
            assertThat(files(aot)).as("the short recording dropped, only the new run's recording and marker left").hasSize(2)
                    .allSatisfy(file -> assertThat(file.getFileName().toString()).contains(".aot." + again.pid()));
        }
    }

    private ServerProcess serve(Map<String, String> environment) {
        return ServerProcess.launcher(ROOT, environment, "serve", "--port", "0", "--data-dir", work.resolve("data").toString());
    }

    private static Map<String, String> environment(Path aot, Map<String, String> more) {
        var environment = new HashMap<>(Map.of("JAVA_HOME", System.getProperty("java.home"), "TIMESTORE_AOT_DIR", aot.toString(),
                "TIMESTORE_JAVA_OPTS", "-Xmx512m"));
        environment.putAll(more);
        return environment;
    }

    private static List<Path> files(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.sorted().toList();
        }
    }
}
