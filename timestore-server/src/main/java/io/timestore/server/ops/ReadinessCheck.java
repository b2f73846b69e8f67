package io.timestore.server.ops;

/**
 * One dependency {@code /readyz} asks about. Implementations must answer quickly and never throw.
 */
public interface ReadinessCheck {
    /** Short stable name, e.g. {@code database}. */
    String name();

    /** Whether the dependency can serve right now. */
    boolean ready();
}
