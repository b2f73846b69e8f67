/**
 * Transactional storage of events, the system of record: the storage contract
 * ({@link io.timestore.audit.store.EventStore}) and its PostgreSQL implementation
 * ({@link io.timestore.audit.store.PostgresEventStore}), the group-commit recorder a service uses on
 * the request path ({@link io.timestore.audit.store.GroupCommitRecorder}), the audit schema and its
 * versioned SQL scripts ({@link io.timestore.audit.store.AuditSchema}, resources
 * {@code schema-v*.sql} beside it), the platform path
 * ({@link io.timestore.audit.store.PlatformPath}) and the explicit transaction the audit stores run
 * their work in ({@link io.timestore.audit.store.ExplicitTransaction}).
 *
 * <p>Not for exporters: they read the sealed trail through {@code io.timestore.audit.delivery}.
 * May depend on the event contract and {@code canonical}; must not depend on any other audit
 * package, nor on the server.
 */
package io.timestore.audit.store;
