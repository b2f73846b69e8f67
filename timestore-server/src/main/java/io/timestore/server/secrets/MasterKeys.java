package io.timestore.server.secrets;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.MasterKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master keys in use, reloaded without a restart (docs/security.md "Key rotation"): the
 * master-key file ({@code secrets.master-key-file}, or {@code <data-dir>/keys/master-keys} with the
 * embedded database) once it exists, otherwise the one configured {@code secrets.master-key}. The
 * file is checked every {@link #RELOAD_INTERVAL}; a file that does not parse is refused with a
 * warning and the keys in use stay. Thread-safe.
 */
public final class MasterKeys implements Supplier<MasterKeyRing>, AutoCloseable {
    /** How often a running server looks at the file: the bound on picking up a rotation. */
    public static final Duration RELOAD_INTERVAL = Duration.ofSeconds(2);
    /** The file's name under {@code <data-dir>/keys} with the embedded database. */
    public static final String FILE_NAME = "master-keys";
    static final String SETTING = "secrets.master-key-file";
    private static final Logger log = LoggerFactory.getLogger(MasterKeys.class);

    private final MasterKey root;
    private final Optional<Path> file;
    private final AtomicReference<MasterKeyRing> current;
    private volatile String lastText;
    private ScheduledExecutorService watcher;
    private volatile MultiGauge held;
    private volatile Counter reloaded;
    private volatile Counter refused;

    private MasterKeys(MasterKey root, Optional<Path> file) {
        this.root = root;
        this.file = file;
        this.lastText = read().orElse(null);
        this.current = new AtomicReference<>(lastText == null ? MasterKeyRing.of(root) : parse(lastText));
    }

    /**
     * The keys of {@code file} if it exists, else of {@code root} alone.
     *
     * @throws InvalidSettings when the file exists but is unreadable or malformed
     */
    public static MasterKeys load(MasterKey root, Optional<Path> file) {
        return new MasterKeys(root, file);
    }

    @Override
    public MasterKeyRing get() {
        return current.get();
    }

    /** Where rotations are written: empty with an external database and no {@code secrets.master-key-file}. */
    public Optional<Path> file() {
        return file;
    }

    /** The configured {@code secrets.master-key}: the root of the keys that are not rotated (pepper, cursors). */
    public MasterKey root() {
        return root;
    }

    /**
     * Publishes {@code timestore_master_keys{key_id,state}} (1 for each key this instance holds)
     * and {@code timestore_master_key_reloads_total{outcome}} (docs/operations.md).
     */
    public MasterKeys bind(MeterRegistry registry) {
        held = MultiGauge.builder("timestore_master_keys")
                .description("The master keys this instance holds for stored secrets, by id and state (1 each)").register(registry);
        reloaded = reloads(registry, "reloaded");
        refused = reloads(registry, "refused");
        publish(current.get());
        return this;
    }

    private static Counter reloads(MeterRegistry registry, String outcome) {
        return Counter.builder("timestore_master_key_reloads_total")
                .description("Changes of the master-key file picked up without a restart, and changes refused")
                .tag("outcome", outcome).register(registry);
    }

    private void publish(MasterKeyRing ring) {
        var gauge = held;
        if (gauge != null) {
            gauge.register(ring.ids().stream()
                    .<MultiGauge.Row<?>>map(id -> MultiGauge.Row.of(Tags.of("key_id", id, "state", ring.state(id).label()), 1))
                    .toList(), true);
        }
    }

    private void count(Counter counter) {
        if (counter != null) {
            counter.increment();
        }
    }

    /** Starts checking the file every {@code interval}; {@link #close()} stops it. */
    public synchronized MasterKeys watch(Duration interval) {
        if (file.isPresent() && watcher == null) {
            watcher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("timestore-master-keys").factory());
            long every = interval.toMillis();
            watcher.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Reads the file once; switches to its keys when it changed and parses. */
    public void reloadIfChanged() {
        Optional<String> text;
        try {
            text = read();
        } catch (InvalidSettings e) {
            log.warn("{}; still using master key {}", e.getMessage(), current.get().activeId());
            return;
        }
        if (text.isEmpty() || text.get().equals(lastText)) {
            return;
        }
        lastText = text.get();
        try {
            var ring = MasterKeyRing.parse(text.get(), root.id());
            var previous = current.getAndSet(ring);
            publish(ring);
            count(reloaded);
            if (!previous.equals(ring)) {
                log.atInfo().addKeyValue("active_key_id", ring.activeId()).addKeyValue("key_ids", ring.ids())
                        .log("master keys reloaded: active key {}, keys {}", ring.activeId(), ring.ids());
            }
        } catch (IllegalArgumentException e) {
            count(refused);
            log.warn("master-key file {} is not usable ({}); still using master key {}", file.orElseThrow(), e.getMessage(),
                    current.get().activeId());
        }
    }

    /**
     * Writes {@code ring} over the file, atomically and owner-readable only, and uses it from now on.
     *
     * @throws InvalidSettings when there is no file to write or it cannot be written
     */
    public void write(MasterKeyRing ring) {
        var target = file.orElseThrow(() -> new InvalidSettings(SETTING,
                "required to rotate the master key with an external database (a file every instance reads)"));
        try {
            var directory = target.toAbsolutePath().getParent();
            Files.createDirectories(directory);
            var temp = Files.createTempFile(directory, ".master-keys", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temp, ring.toFileText());
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UnsupportedOperationException e) {
            throw new InvalidSettings(SETTING, "cannot write %s (%s)".formatted(target, e.getClass().getSimpleName()));
        }
        current.set(ring);
        publish(ring);
    }

    private MasterKeyRing parse(String text) {
        try {
            return MasterKeyRing.parse(text, root.id());
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings(SETTING, "%s is not a usable master-key file: %s".formatted(file.orElseThrow(), e.getMessage()));
        }
    }

    private Optional<String> read() {
        if (file.isEmpty() || !Files.exists(file.get())) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file.get()));
        } catch (IOException e) {
            throw new InvalidSettings(SETTING, "cannot read %s (%s)".formatted(file.get(), e.getClass().getSimpleName()));
        }
    }

    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }
}
