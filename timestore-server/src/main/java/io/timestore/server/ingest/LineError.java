package io.timestore.server.ingest;

import java.util.Objects;

/**
 * One rejected line.
 *
 * @param line    1-based number of the physical line where the bad line starts (a quoted string
 *                may continue a line over several physical lines)
 * @param message what was expected and what was found, without the line number
 */
public record LineError(int line, String message) {
    public LineError {
        if (line < 1) {
            throw new IllegalArgumentException("line must be at least 1, got " + line);
        }
        Objects.requireNonNull(message, "message");
    }

    /** {@code line 3: <message>}. */
    @Override
    public String toString() {
        return "line " + line + ": " + message;
    }
}
