package io.timestore.server.delivery.file;

import io.timestore.server.delivery.SinkEntry;
import io.timestore.server.delivery.SinkFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/** The {@code file} sink type: reads a {@code audit.delivery.sinks} entry into a {@link FileSink}. */
public final class FileSinks {
    /** Segments are closed at 100 MiB by default. */
    static final long DEFAULT_MAX_BYTES = 100L << 20;
    /** ... or once a day. */
    static final Duration DEFAULT_MAX_AGE = Duration.ofDays(1);
    private static final Set<String> OPTIONS =
            Set.of("name", "type", "path", "layout", "rotate-size", "rotate-interval", "format", "cloudevents", "cloudevents-source");

    private FileSinks() {}

    /** Checks the options, creates the directory and checks it can be written. */
    public static FileSink create(SinkEntry entry, SinkFactory.Context context) {
        entry.allowOnly(OPTIONS);
        Path directory;
        var path = entry.string("path");
        try {
            directory = context.dataDir().resolve(path).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw entry.invalid("path", "'%s' is not a valid path".formatted(path));
        }
        var layout = switch (entry.oneOf("layout", "per-partition", Set.of("per-partition", "shared"))) {
            case "shared" -> FileSink.Layout.SHARED;
            default -> FileSink.Layout.PER_PARTITION;
        };
        long maxBytes = entry.bytes("rotate-size", DEFAULT_MAX_BYTES, 1024, 1L << 40);
        var maxAge = entry.duration("rotate-interval", DEFAULT_MAX_AGE, Duration.ofSeconds(1), Duration.ofDays(366));
        var encoder = SinkFactory.encoder(entry);
        try {
            Files.createDirectories(directory);
            var probe = Files.createTempFile(directory, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw entry.invalid("path", "%s is not a writable directory (%s)".formatted(directory, e.getClass().getSimpleName()));
        }
        return new FileSink(entry.string("name"), new FileSink.Settings(directory, layout, maxBytes, maxAge), encoder, context.clock());
    }
}
