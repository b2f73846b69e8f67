package io.timestore.server.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.timestore.server.config.DeliverySettings;
import io.timestore.server.config.Settings;
import io.timestore.server.config.SinkSettings;
import io.timestore.server.testing.SharedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Reads what a file sink wrote, and what the database sealed, for comparison. */
final class FileSets {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FileSets() {}

    /** A {@code file} sink entry as the configuration file would give it. */
    static SinkSettings fileSink(int index, String name, Path directory, String... options) {
        var map = new LinkedHashMap<String, JsonNode>();
        map.put("path", TextNode.valueOf(directory.toString()));
        for (int i = 0; i + 1 < options.length; i += 2) {
            map.put(options[i], TextNode.valueOf(options[i + 1]));
        }
        return new SinkSettings("audit.delivery.sinks[" + index + "]", name, "file", map);
    }

    /**
     * {@code settings} with these sinks, a fast, bounded retry pace, and 10-event batches: a test's
     * few dozen events then always take several batches (so several segments of a small file set).
     */
    static Settings withSinks(Settings settings, Optional<Duration> maxHold, SinkSettings... sinks) {
        var delivery = new DeliverySettings(10, Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(500), maxHold, List.of(sinks));
        return settings.withAudit(settings.audit().withDelivery(delivery));
    }

    /** Every line of every segment of the file set in {@code directory}, segments in order. */
    static List<JsonNode> lines(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        var lines = new ArrayList<JsonNode>();
        try (Stream<Path> files = Files.list(directory)) {
            for (var segment : files.filter(f -> f.getFileName().toString().endsWith(".ndjson")).sorted().toList()) {
                for (var line : Files.readAllLines(segment)) {
                    lines.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /** The per-partition file sets under {@code root}, by partition. */
    static Map<String, List<JsonNode>> perPartition(Path root) {
        var sets = new TreeMap<String, List<JsonNode>>();
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.filter(Files::isDirectory).forEach(dir -> sets.put(dir.getFileName().toString(), lines(dir)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sets;
    }

    /** The segment files of one file set. */
    static List<Path> segments(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".ndjson")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sealed event ids of {@code partition}, in seq order, as the database holds them. */
    static List<String> sealed(SharedPostgres postgres, String database, String partition) {
        try (var superuser = postgres.superuser(database);
             var statement = superuser.prepareStatement("SELECT event_id FROM audit_seals WHERE tenant_id = ? ORDER BY seq")) {
            statement.setString(1, partition);
            var ids = new ArrayList<String>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
            return ids;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The event ids of {@code lines}, in order. */
    static List<String> ids(List<JsonNode> lines) {
        return lines.stream().map(l -> l.get("event_id").asText()).toList();
    }

    /** The seqs of {@code lines}, in order. */
    static List<Long> seqs(List<JsonNode> lines) {
        return lines.stream().map(l -> l.get("seq").asLong()).toList();
    }
}
