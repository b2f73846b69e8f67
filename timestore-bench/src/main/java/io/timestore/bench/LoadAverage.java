package io.timestore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's 1-, 5- and 15-minute load averages from {@code /proc/loadavg}, printed beside every
 * figure of the studies (docs/studies/): the machine they ran on is shared, and a figure means
 * little without the load it was measured under.
 */
final class LoadAverage {
    private LoadAverage() {}

    static String now() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
