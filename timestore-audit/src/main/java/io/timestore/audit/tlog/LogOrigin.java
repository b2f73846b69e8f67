package io.timestore.audit.tlog;

import java.util.Objects;

/**
 * The origin line of a partition's log (c2sp.org/tlog-checkpoint): {@code <log name>/<partition>},
 * for example {@code timestore.example/acme}. It is also the name of the key that signs the
 * partition's checkpoints, so a verifier key names the one log it vouches for.
 */
public final class LogOrigin {
    private LogOrigin() {}

    /**
     * The origin of {@code partition}'s log in the deployment named {@code logName}.
     *
     * @throws IllegalArgumentException if the result is not a valid note key name (empty, spaces, '+')
     */
    public static String of(String logName, String partition) {
        Objects.requireNonNull(logName, "logName");
        Objects.requireNonNull(partition, "partition");
        return NoteNames.require(logName + "/" + partition);
    }

    /** Whether {@code logName} can name logs: {@link #of} accepts it with any partition id. */
    public static boolean isValidLogName(String logName) {
        return NoteNames.isValid(logName);
    }
}
