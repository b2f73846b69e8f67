package io.timestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/timestore serve} and the JVM's AOT cache (docs/operations.md, "Warm-up"), with the
 * launcher and the packaged build it runs. A failsafe test, run after {@code package}: the JDK
 * maps a cache only for a class path of jars, which the surefire tests' class directories are not.
 */
class LauncherAotCacheIT {
    private static final Duration START = Duration.ofMinutes(2);
    // The JVM assembles the cache after the server's shutdown, in a child JVM of its own.
    private static final Duration STOP_AND_RECORD = Duration.ofMinutes(3);
    private static final String RECORDS = "this run records one";

    @TempDir
    Path work;

    @Test
    void the_first_serve_records_the_cache_as_it_stops_and_the_next_serve_maps_it() throws Exception {
        var root = Path.of("..").toAbsolutePath().normalize();
        // The build under test is this one: tell the launcher it is up to date, as it tells itself
        // after a build, so that a test source newer than the jar does not start Maven inside Maven.
        Files.setLastModifiedTime(root.resolve("timestore-server/target/timestore-server.jar"), FileTime.from(Instant.now()));
        Path aot = work.resolve("aot");
        var environment = Map.of("JAVA_HOME", System.getProperty("java.home"), "TIMESTORE_AOT_DIR", aot.toString(),
                "TIMESTORE_JAVA_OPTS", "-Xmx512m");

        long recorder;
        try (var first = ServerProcess.launcher(root, work.resolve("data"), environment)) {
            first.awaitListening(START);
            recorder = first.pid();
            assertThat(first.stderr()).anyMatch(line -> line.contains(RECORDS));
            assertThat(first.terminate(STOP_AND_RECORD)).as("exit status after SIGTERM").isZero();
        }
        var recorded = files(aot);
        assertThat(recorded).as("one cache, under the recording process's id, nothing else").singleElement()
                .satisfies(file -> assertThat(file.getFileName().toString()).endsWith(".aot." + recorder))
                .satisfies(file -> assertThat(Files.size(file)).isGreaterThan(1 << 20));

        try (var second = ServerProcess.launcher(root, work.resolve("data"), environment)) {
            second.awaitListening(START);
            var cache = Path.of(recorded.getFirst().toString().replaceFirst("\\.\\d+$", ""));
            assertThat(files(aot)).as("the recording adopted under the build's name").containsExactly(cache);
            assertThat(second.stderr()).noneMatch(line -> line.contains(RECORDS)).noneMatch(line -> line.contains("[aot]"));
            assertThat(Files.readString(Path.of("/proc", Long.toString(second.pid()), "maps")))
                    .as("the JVM mapped the cache").contains(cache.toString());
            assertThat(second.jsonLines()).as("stdout is the server's JSON log").isNotEmpty();
            assertThat(second.terminate(START)).as("exit status after SIGTERM").isZero();
        }
        assertThat(files(aot)).as("nothing recorded again").hasSize(1);
    }

    private static List<Path> files(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.sorted().toList();
        }
    }
}
