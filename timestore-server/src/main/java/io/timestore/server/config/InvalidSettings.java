package io.timestore.server.config;

/**
 * A configuration value that cannot be used. Startup stops with exit code 2 and prints
 * {@link #getMessage()}, which names the setting, where it came from and the rule it broke.
 * Secret values are never part of the message.
 */
public final class InvalidSettings extends RuntimeException {
    private final String key;

    public InvalidSettings(String key, String problem) {
        super("invalid configuration: " + key + ": " + problem);
        this.key = key;
    }

    public InvalidSettings(String key, String problem, Throwable cause) {
        super("invalid configuration: " + key + ": " + problem, cause);
        this.key = key;
    }

    /** The dotted setting key, e.g. {@code server.port}. */
    public String key() {
        return key;
    }
}
