-- Version 10: delivery reads a batch's events by their arrival numbers, in one range of an index
-- that grows at its right edge (docs/audit-delivery.md, "Reading a batch").
--
-- A delivery batch is a run of seals in seq order, and the sequencer seals in arrival order, so
-- the events of one batch are (nearly) one run of the partition's arrival numbers. Before this
-- version each event was found through audit_events' primary key, by its random event id: one
-- index descent per event, about two thirds of the batch query (DeliveryLoad's steps phase).
-- Events stored before version 9 have no arrival number and are not in this index; delivery finds
-- those by event id, as before.
--
-- The index is built from the stored events while this script runs: audit_events takes no writes
-- for that time (docs/rollout.md).

CREATE INDEX audit_events_by_arrival ON audit_events (tenant_id, arrival) WHERE arrival IS NOT NULL;
