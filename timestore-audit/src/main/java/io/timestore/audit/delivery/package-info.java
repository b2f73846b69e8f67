/**
 * The place for audit exporters: {@link io.timestore.audit.delivery.DeliverySink} is the contract a
 * sink (file, webhook, Kafka, SIEM) implements to receive the sealed trail, in {@code seq} order per
 * partition, at least once, acknowledged per batch, never on the request path.
 *
 * <p><b>Interface and contract only.</b> No delivery loop, cursor store or sink implementation exists
 * yet; issue #17 (audit delivery) builds them here.
 *
 * <p>May depend on the event contract in {@code io.timestore.audit} (and, for the loop, on
 * {@code io.timestore.audit.store}); must not depend on the chain, checkpoint, verification or
 * retention packages, nor on the server or any HTTP framework. Nothing here may ever be called
 * from the request path.
 */
package io.timestore.audit.delivery;
