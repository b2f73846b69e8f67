package io.timestore.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code --name value} options of the load programs ({@code IngestLoad}, {@code PeerLoad}, {@code DeliveryLoad}, {@code LineWriters}). */
final class BenchOptions {
    private BenchOptions() {}

    /** The {@code --name value} pairs of {@code args}, by name without the dashes, in order; a last name without a value is ignored. */
    static Map<String, String> parse(String[] args) {
        var options = new LinkedHashMap<String, String>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return options;
    }

    /** The whole number option {@code name} gives ({@code _} may group its digits, as in {@code 10_000_000}), else {@code fallback}. */
    static long number(Map<String, String> options, String name, long fallback) {
        return Long.parseLong(options.getOrDefault(name, Long.toString(fallback)).replace("_", ""));
    }
}
