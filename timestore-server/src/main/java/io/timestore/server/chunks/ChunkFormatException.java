package io.timestore.server.chunks;

/** Bytes that are not a chunk of a known version: stored data was damaged, or a newer server wrote it. */
public final class ChunkFormatException extends RuntimeException {
    public ChunkFormatException(String message) {
        super(message);
    }
}
