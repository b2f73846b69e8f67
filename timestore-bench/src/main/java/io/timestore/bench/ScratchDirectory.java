package io.timestore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** A benchmark's temporary data directory (its embedded cluster: gigabytes after a run), removed at the end. */
final class ScratchDirectory {
    private ScratchDirectory() {}

    static void delete(Path directory) {
        try (var paths = Files.walk(directory)) {
            for (var path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + directory, e);
        }
        System.out.println("removed the data directory " + directory);
    }
}
