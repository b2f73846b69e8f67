package io.timestore.security.authz;

/**
 * The kind of route a decision is made for. Only legacy rules look at it: the global query scope
 * applies to {@link #QUERY} routes, unauthenticated ingestion to {@link #INGEST} routes.
 */
public enum RouteKind {
    /** {@code GET .../series}, {@code GET .../query}: reading points. */
    QUERY,
    /** {@code POST .../points}, {@code POST /api/v2/write}: writing points. */
    INGEST,
    /** Everything else. */
    OTHER
}
