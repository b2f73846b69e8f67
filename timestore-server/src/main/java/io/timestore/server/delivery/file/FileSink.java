package io.timestore.server.delivery.file;

import io.timestore.audit.delivery.DeliveryFailed;
import io.timestore.audit.delivery.DeliverySink;
import io.timestore.audit.delivery.SealedEvent;
import io.timestore.audit.delivery.format.EventEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The file sink (docs/audit-delivery.md): appends each batch as NDJSON, one encoded event per
 * line, to the current segment of its file set and fsyncs it before acknowledging. A file set is a
 * directory of segments {@code audit-<n>-<created>.ndjson}, {@code n} counting up; a segment is
 * closed and the next one started when a batch would take it past {@code maxBytes} or when it is
 * older than {@code maxAge} as a batch arrives. With {@link Layout#PER_PARTITION} each partition
 * has its own file set in {@code <directory>/<partition>/}; with {@link Layout#SHARED} all share
 * {@code <directory>/}, each partition's events still in order.
 *
 * <p>Crash safety: a batch is acknowledged only after its bytes are forced to disk, so an
 * acknowledged event is never lost. A crash can leave a batch written in part and not
 * acknowledged; it is delivered again (at-least-once), and the reopened segment is first cut back
 * to its last complete line, so no file ever holds a torn line.
 *
 * <p>Called by one delivery worker at a time; {@link #close} may come from another thread.
 */
public final class FileSink implements DeliverySink, AutoCloseable {
    private static final Pattern SEGMENT = Pattern.compile("audit-(\\d{8})-(\\d{8}T\\d{6}Z)\\.ndjson");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** One file set per partition, or one for all. */
    public enum Layout { PER_PARTITION, SHARED }

    /**
     * @param directory where the file sets live
     * @param layout    one file set per partition or one shared
     * @param maxBytes  a segment is closed before a batch would take it past this (a single larger batch still gets a segment of its own)
     * @param maxAge    a segment older than this is closed when the next batch arrives
     */
    public record Settings(Path directory, Layout layout, long maxBytes, Duration maxAge) {
        public Settings {
            Objects.requireNonNull(directory, "directory");
            Objects.requireNonNull(layout, "layout");
            Objects.requireNonNull(maxAge, "maxAge");
            if (maxBytes < 1 || maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("maxBytes and maxAge must be positive");
            }
        }
    }

    private final String name;
    private final Settings settings;
    private final EventEncoder encoder;
    private final InstantSource clock;
    private final Map<String, Segment> open = new HashMap<>();

    /**
     * @param encoder the sink's format; a batch becomes its {@link EventEncoder#encodeLines} (one JSON
     *                record per line, a record never holding a raw line break), in one buffer
     */
    public FileSink(String name, Settings settings, EventEncoder encoder, InstantSource clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String name() {
        return name;
    }

    /** Whether the sink's format reads the events' members (OCSF) or sends their stored records. */
    @Override
    public boolean readsMembers() {
        return encoder.readsMembers();
    }

    @Override
    public synchronized void deliver(String partition, List<SealedEvent> batch) {
        byte[] bytes = encoder.encodeLines(batch);
        var key = settings.layout() == Layout.SHARED ? "" : partition;
        Segment segment = null;
        try {
            segment = open.get(key);
            if (segment == null) {
                segment = Segment.reopen(directoryOf(key), clock);
                open.put(key, segment);
            }
            var now = clock.instant();
            if (segment.size > 0 && (segment.size + bytes.length > settings.maxBytes()
                    || !now.isBefore(segment.created.plus(settings.maxAge())))) {
                var next = Segment.create(segment.directory, segment.index + 1, now);
                segment.close();
                segment = next;
                open.put(key, segment);
            }
            segment.append(bytes);
        } catch (IOException | RuntimeException e) {
            // Reopened on the next attempt, which cuts a torn last line off first.
            if (segment != null) {
                segment.close();
            }
            open.remove(key);
            throw new DeliveryFailed("file sink %s cannot write %s: %s".formatted(name, directoryOf(key),
                    e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())), true, e);
        }
    }

    private Path directoryOf(String key) {
        return key.isEmpty() ? settings.directory() : settings.directory().resolve(key);
    }

    @Override
    public synchronized void close() {
        open.values().forEach(Segment::close);
        open.clear();
    }

    /** The segment being appended to in one file set. */
    private static final class Segment {
        final Path directory;
        final int index;
        final Instant created;
        final FileChannel channel;
        long size;

        private Segment(Path directory, int index, Instant created, FileChannel channel, long size) {
            this.directory = directory;
            this.index = index;
            this.created = created;
            this.channel = channel;
            this.size = size;
        }

        /** The newest segment of {@code directory}, cut back to its last complete line, or a first one. */
        static Segment reopen(Path directory, InstantSource clock) throws IOException {
            Files.createDirectories(directory);
            Path newest = null;
            int newestIndex = 0;
            Instant created = null;
            try (Stream<Path> files = Files.list(directory)) {
                for (var file : (Iterable<Path>) files::iterator) {
                    var matcher = SEGMENT.matcher(file.getFileName().toString());
                    if (matcher.matches() && Integer.parseInt(matcher.group(1)) > newestIndex) {
                        newestIndex = Integer.parseInt(matcher.group(1));
                        newest = file;
                        created = Instant.from(STAMP.parse(matcher.group(2)));
                    }
                }
            }
            if (newest == null) {
                return create(directory, 1, clock.instant());
            }
            var channel = FileChannel.open(newest, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                long complete = lastCompleteLine(channel);
                if (complete < channel.size()) {
                    channel.truncate(complete);
                    channel.force(true);
                }
                channel.position(complete);
                return new Segment(directory, newestIndex, created, channel, complete);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }

        static Segment create(Path directory, int index, Instant now) throws IOException {
            Files.createDirectories(directory);
            var file = directory.resolve("audit-%08d-%s.ndjson".formatted(index, STAMP.format(now)));
            var channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                // The new name must survive a crash as well as the bytes written under it.
                try (var dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                    dir.force(true);
                }
                return new Segment(directory, index, Instant.from(STAMP.parse(STAMP.format(now))), channel, 0);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }

        /** The length of the file up to and including its last newline. */
        private static long lastCompleteLine(FileChannel channel) throws IOException {
            long end = channel.size();
            var buffer = ByteBuffer.allocate(8192);
            long position = end;
            while (position > 0) {
                int chunk = (int) Math.min(buffer.capacity(), position);
                position -= chunk;
                buffer.clear().limit(chunk);
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, position + buffer.position()) < 0) {
                        throw new IOException("segment shrank while being read");
                    }
                }
                for (int i = chunk - 1; i >= 0; i--) {
                    if (buffer.get(i) == '\n') {
                        return position + i + 1;
                    }
                }
            }
            return 0;
        }

        void append(byte[] bytes) throws IOException {
            var buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
            size += bytes.length;
        }

        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Every acknowledged byte was forced already.
            }
        }
    }
}
