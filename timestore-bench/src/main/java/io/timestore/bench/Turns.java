package io.timestore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Two benchmark processes on one machine taking turns, so that an A/B of two builds measures both
 * in the same minutes: slow changes of the machine (a neighbour's load, steal, the page cache)
 * then fall on both sides of every pair instead of on one build's whole run.
 *
 * <p>The processes share one file holding the number of turns taken so far (the run script writes
 * {@code 0} into it before starting them). Turn {@code k} belongs to {@code A} or {@code B} in the
 * order ABBA ABBA ..., so neither build always goes first; each process runs its steps in the same
 * order (ingestion, warm-up, then the measured slices), one step per turn of its own, and waits
 * while the other runs. Only the owner of the current turn writes the file (a whole new file moved
 * over the old one), so the two never race.
 */
final class Turns {
    private static final String ORDER = "ABBA";
    private final Path file;
    private final char name;

    /** @param name {@code A} or {@code B} */
    Turns(Path file, String name) {
        if (!name.equals("A") && !name.equals("B")) {
            throw new IllegalArgumentException("--turn must be A or B, not " + name);
        }
        this.file = file;
        this.name = name.charAt(0);
    }

    /** Blocks until a turn of this process comes, and returns its number. */
    int await() throws IOException, InterruptedException {
        while (true) {
            int taken = taken();
            if (ORDER.charAt(taken % ORDER.length()) == name) {
                return taken;
            }
            Thread.sleep(20); // the other process's step lasts seconds; polling costs nothing measurable
        }
    }

    /** Ends this process's turn: the next one belongs to whoever the order names. */
    void pass() throws IOException {
        int next = taken() + 1;
        Path written = file.resolveSibling(file.getFileName() + "." + name);
        Files.writeString(written, Integer.toString(next));
        Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private int taken() throws IOException {
        return Integer.parseInt(Files.readString(file).trim());
    }
}
