/**
 * What a delivered record looks like: {@link io.timestore.audit.delivery.format.EventEncoder} turns a
 * sealed event into bytes in the {@code timestore} or {@code ocsf} format, optionally inside a
 * CloudEvents 1.0 envelope ({@link io.timestore.audit.delivery.format.EventEncoders#create}). Every
 * sink (file, webhook, Kafka) takes an encoder, so a format means the same bytes everywhere.
 * Documented, with examples and the OCSF mapping, in {@code docs/audit-delivery.md}.
 *
 * <p>Depends only on the event contract in {@code io.timestore.audit} (and its canonical text helpers).
 */
package io.timestore.audit.delivery.format;
