package io.timestore.server.refresh;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The state of a refresh run, and which reports may follow which (docs/data-plane.md):
 * a new run may start in any state; {@code pending -> running|succeeded|failed};
 * {@code running -> succeeded|failed}; a state may be reported again (progress, details); and
 * {@code succeeded} and {@code failed} are final. Anything else is 409.
 */
enum RefreshState {
    PENDING, RUNNING, SUCCEEDED, FAILED;

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<RefreshState> find(String label) {
        for (var state : values()) {
            if (state.label().equals(label)) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }

    boolean terminal() {
        return this == SUCCEEDED || this == FAILED;
    }

    /** Whether a run in this state may next report {@code next}. */
    boolean mayBecome(RefreshState next) {
        return switch (this) {
            case PENDING -> true;
            case RUNNING -> next != PENDING;
            case SUCCEEDED, FAILED -> false;
        };
    }

    static Set<String> labels() {
        return Set.of("pending", "running", "succeeded", "failed");
    }
}
