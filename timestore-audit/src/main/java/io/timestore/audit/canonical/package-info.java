/**
 * Deterministic encoding primitives, knowing nothing of events: text normalisation and limits
 * ({@link io.timestore.audit.canonical.EventText}), RFC 8785 JSON canonicalisation
 * ({@link io.timestore.audit.canonical.Jcs}, {@link io.timestore.audit.canonical.CanonicalOutput}),
 * RFC 3339 timestamps ({@link io.timestore.audit.canonical.Timestamps}) and lower-case enum labels
 * ({@link io.timestore.audit.canonical.Labels}). What is hashed or signed is built from these, so
 * their output must never change for a given input.
 *
 * <p>Public only because the event contract and the checkpoint format use them; they are not an
 * API for services. Must not depend on any other audit package, nor on the server.
 */
package io.timestore.audit.canonical;
