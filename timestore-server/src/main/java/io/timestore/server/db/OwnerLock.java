package io.timestore.server.db;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Which process owns the embedded PostgreSQL of a data directory. The owner holds an exclusive
 * lock on {@code <data-dir>/postgres.lock} for as long as it runs the cluster, and names itself
 * (pid and start time) in {@code <data-dir>/postgres.owner}. The operating system releases the
 * lock when the owner dies, however it dies, so a cluster left running by a dead owner can be told
 * from one in use, and a pid file naming a recycled pid fools nobody.
 *
 * <p>Why two files: POSIX record locks belong to the whole process, and closing any descriptor of
 * the locked file releases them. A process must therefore never open the lock file of a lock it
 * holds; it recognises itself in the owner file instead (a command run inside a server's JVM, as
 * tests do). For the same reason claims are serialised within the JVM.
 */
final class OwnerLock implements AutoCloseable {
    static final String LOCK_FILE = "postgres.lock";
    static final String OWNER_FILE = "postgres.owner";

    private final FileChannel channel;
    private final FileLock lock;
    private final Path ownerFile;

    private OwnerLock(FileChannel channel, FileLock lock, Path ownerFile) {
        this.channel = channel;
        this.lock = lock;
        this.ownerFile = ownerFile;
    }

    /** The outcome of {@link #claim}: this process now owns the data directory, or a live process does. */
    sealed interface Claim {}

    /** This process owns the data directory until it closes {@code lock}. */
    record Acquired(OwnerLock lock) implements Claim {}

    /**
     * A live process owns the data directory: this one ({@code self}), or another whose pid is
     * known once it has written the owner file.
     */
    record Held(OptionalLong pid, boolean self) implements Claim {
        String owner() {
            return self ? "this process" : pid.isPresent() ? "Timestore process " + pid.getAsLong() : "another process";
        }
    }

    /** Takes the data directory's lock if no live process holds it; never waits. */
    static synchronized Claim claim(Path dataDir) throws IOException {
        var ownerFile = dataDir.resolve(OWNER_FILE);
        if (readOwner(ownerFile).filter(Owner::isThisProcess).isPresent()) {
            return new Held(OptionalLong.of(ProcessHandle.current().pid()), true);
        }
        var channel = FileChannel.open(dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            // This JVM holds the lock, yet the owner file does not name it: someone removed the
            // file. Closing the channel would release the owner's lock, so it is left open.
            throw new IllegalStateException("%s is locked by this process but %s does not say so".formatted(
                    dataDir.resolve(LOCK_FILE), ownerFile), e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            return new Held(readOwner(ownerFile).map(o -> OptionalLong.of(o.pid())).orElse(OptionalLong.empty()), false);
        }
        try {
            writeOwner(ownerFile, Owner.thisProcess());
        } catch (IOException | RuntimeException e) {
            channel.close(); // releases the lock
            throw e;
        }
        return new Acquired(new OwnerLock(channel, lock, ownerFile));
    }

    /** Gives the data directory up: the owner file goes first, so it never names a process without the lock. */
    @Override
    public void close() throws IOException {
        synchronized (OwnerLock.class) {
            try {
                Files.deleteIfExists(ownerFile);
            } finally {
                try {
                    lock.release();
                } finally {
                    channel.close();
                }
            }
        }
    }

    /** A process as the owner file names it: pid and start time, so a recycled pid is not mistaken for it. */
    private record Owner(long pid, Optional<Instant> started) {
        static Owner thisProcess() {
            var self = ProcessHandle.current();
            return new Owner(self.pid(), self.info().startInstant());
        }

        boolean isThisProcess() {
            return equals(thisProcess());
        }

        String text() {
            return pid + "\n" + started.map(Instant::toString).orElse("") + "\n";
        }

        static Optional<Owner> parse(List<String> lines) {
            try {
                long pid = Long.parseLong(lines.getFirst().strip());
                var started = lines.size() > 1 && !lines.get(1).isBlank() ? Optional.of(Instant.parse(lines.get(1).strip()))
                        : Optional.<Instant>empty();
                return Optional.of(new Owner(pid, started));
            } catch (RuntimeException e) {
                return Optional.empty(); // empty or garbled: names nobody
            }
        }
    }

    private static Optional<Owner> readOwner(Path ownerFile) throws IOException {
        if (!Files.isRegularFile(ownerFile)) {
            return Optional.empty();
        }
        return Owner.parse(Files.readAllLines(ownerFile));
    }

    /** Written to a temporary file and moved into place, so a reader never sees half of it. */
    private static void writeOwner(Path ownerFile, Owner owner) throws IOException {
        var temp = Files.createTempFile(ownerFile.getParent(), "." + OWNER_FILE, ".tmp");
        try {
            Files.writeString(temp, owner.text());
            try {
                Files.move(temp, ownerFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, ownerFile, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
