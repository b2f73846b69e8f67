package io.timestore.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's rule "no main file over ~400 lines without a comment saying why": a main source file of
 * any module that is longer than {@link #LIMIT} lines says in its own text that it is long and why,
 * as a sentence naming its length ("over 600 lines because ..." or "Its length (over 500 lines) is
 * deliberate: ..."). A file that grows past the limit fails here until it is split or explained.
 */
class SourceFileSizeTest {
    /** About 400 lines, with a little room so that a file does not fail for one added import. */
    static final int LIMIT = 420;
    private static final Pattern EXPLAINED = Pattern.compile("(?i)\\bover \\d{3,} lines\\b");
    private static final List<String> MODULES =
            List.of("timestore-security", "timestore-audit", "timestore-server", "timestore-bench", "examples/embedded-service");

    @Test
    void every_main_source_file_over_the_limit_says_why_it_is_long() throws IOException {
        var root = Path.of("..").toAbsolutePath().normalize();
        Set<String> unexplained = new TreeSet<>();
        int checked = 0;
        for (var module : MODULES) {
            var sources = root.resolve(module).resolve("src/main/java");
            assertThat(sources).as("module %s has main sources", module).isDirectory();
            try (Stream<Path> files = Files.walk(sources)) {
                for (var file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    checked++;
                    var text = Files.readString(file);
                    long lines = text.lines().count();
                    if (lines > LIMIT && !EXPLAINED.matcher(text).find()) {
                        unexplained.add("%s (%d lines)".formatted(root.relativize(file), lines));
                    }
                }
            }
        }

        assertThat(checked).as("source files found").isGreaterThan(100);
        assertThat(unexplained).as("files over %d lines without a sentence saying why (\"over N lines because ...\")", LIMIT)
                .isEmpty();
    }
}
