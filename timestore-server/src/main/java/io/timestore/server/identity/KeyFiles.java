package io.timestore.server.identity;

import io.timestore.server.config.InvalidSettings;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Key material Timestore generates for itself under {@code <data-dir>/keys} (embedded mode): the
 * master key, the development issuer's key, the audit checkpoint key. Files are created
 * owner-read/write only, atomically, so a server and a CLI command starting together agree on one
 * key; an existing file is never replaced.
 */
public final class KeyFiles {
    private final Path directory;

    public KeyFiles(Path dataDir) {
        this.directory = dataDir.resolve("keys");
    }

    /** The content of {@code name}, created from {@code generator} if it does not exist yet. */
    public String readOrCreate(String name, Supplier<String> generator) {
        var file = directory.resolve(name);
        try {
            if (Files.exists(file)) {
                return Files.readString(file).strip();
            }
            createDirectory();
            var temp = Files.createTempFile(directory, "." + name, ".tmp", ownerOnlyFile());
            Files.writeString(temp, generator.get() + "\n");
            try {
                // No REPLACE_EXISTING: if another process won the race, its key stands.
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                Files.deleteIfExists(temp);
            }
            return Files.readString(file).strip();
        } catch (IOException | UnsupportedOperationException e) {
            throw new InvalidSettings("data-dir", "cannot read or create key file %s (%s)".formatted(file, e.getClass().getSimpleName()));
        }
    }

    /**
     * The content of {@code name} if it exists; never creates it. For commands that must work
     * with the keys a server made, not with new ones that nothing else trusts.
     */
    public Optional<String> read(String name) {
        var file = directory.resolve(name);
        try {
            return Files.exists(file) ? Optional.of(Files.readString(file).strip()) : Optional.empty();
        } catch (IOException e) {
            throw new InvalidSettings("data-dir", "cannot read key file %s (%s)".formatted(file, e.getClass().getSimpleName()));
        }
    }

    public Path path(String name) {
        return directory.resolve(name);
    }

    private void createDirectory() throws IOException {
        if (!Files.isDirectory(directory)) {
            try {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (UnsupportedOperationException e) {
                Files.createDirectories(directory);
            }
        }
    }

    private static java.nio.file.attribute.FileAttribute<?>[] ownerOnlyFile() {
        try {
            return new java.nio.file.attribute.FileAttribute<?>[] {
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
        } catch (UnsupportedOperationException e) {
            return new java.nio.file.attribute.FileAttribute<?>[0];
        }
    }
}
