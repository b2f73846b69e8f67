/**
 * Schema-change monitoring: DDL on Timestore's schema that no Timestore migration ran becomes a
 * {@code _platform} audit event of severity {@code security}
 * ({@link io.timestore.server.schemawatch.SchemaChangeReporter}); the recording itself is done by
 * the database's event triggers (V27, {@link io.timestore.server.db.SchemaWatch}).
 */
package io.timestore.server.schemawatch;
