package io.timestore.server.http;

/**
 * Every paged listing of the API. A cursor records the listing that issued it (as {@link #code()},
 * one byte), so a cursor of one listing is refused by every other. Codes are part of the cursor
 * format (docs/errors.md, "Cursors"): never renumber or reuse one; add new listings at the end.
 */
public enum Listing {
    DATASETS(1, "datasets"),
    API_TOKENS(2, "API tokens"),
    SIGNING_KEYS(3, "signing keys"),
    TENANTS(4, "tenants"),
    AUDIT_EVENTS(5, "audit events"),
    REFRESH_RUNS(6, "refresh runs"),
    SERIES(7, "series"),
    RAW_POINTS(8, "raw points"),
    CHECKPOINTS(9, "audit checkpoints"),
    BLOCKS(10, "authentication blocks");

    private final int code;
    private final String label;

    Listing(int code, String label) {
        this.code = code;
        this.label = label;
    }

    /** The byte that names this listing inside a cursor. */
    int code() {
        return code;
    }

    /** How error messages name the listing, e.g. "API tokens". */
    String label() {
        return label;
    }
}
