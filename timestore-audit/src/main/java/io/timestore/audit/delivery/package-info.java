/**
 * Audit delivery (issue #17, docs/audit-delivery.md): the sealed trail copied to exporters.
 * {@link io.timestore.audit.delivery.DeliverySink} is the contract a sink (file, webhook, Kafka,
 * SIEM) implements to receive the sealed trail, in {@code seq} order per partition, at least once,
 * acknowledged per batch, never on the request path; {@link io.timestore.audit.delivery.DeliveryTarget}
 * says which partitions it receives. {@link io.timestore.audit.delivery.DeliveryLoop} feeds every
 * target from one leading instance, and {@link io.timestore.audit.delivery.DeliveryStore} keeps the
 * durable cursors (table {@code audit_delivery_cursors}, audit schema version 6).
 *
 * <p>May depend on the event contract in {@code io.timestore.audit} and on {@code io.timestore.audit.store}
 * (the platform path); must not depend on the chain, checkpoint, verification or retention
 * packages, nor on the server or any HTTP framework. Retention asks the loop what is delivered
 * through an interface the server wires. Nothing here may ever be called from the request path.
 */
package io.timestore.audit.delivery;
