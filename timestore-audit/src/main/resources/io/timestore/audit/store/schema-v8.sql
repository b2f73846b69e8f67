-- Version 8: each event is stored as the exact text its writer sent (type json), no longer as jsonb
-- (docs/audit-events.md §6, docs/audit-delivery.md "Reading a batch").
--
-- Nothing reads the event column except as text: the audit API, proofs and leaves, verification,
-- the sequencer's fallback and delivery all ask for event::text, and every filter uses the copied
-- columns. jsonb parses and rebuilds the document on the way in and writes it back out as text on
-- every read; for delivery, making that text was about half of a batch read's database time. json
-- checks the text once on input and hands back the same bytes. The rows keep their content: each
-- stored jsonb becomes its own text form (keys by length, ", " and ": "), which parses to the same
-- event, so every hash, seal and proof stays as it was. The conversion rewrites audit_events once,
-- under an exclusive lock (docs/rollout.md, "Migrations": about 20-25 s per million events).

ALTER TABLE audit_events ALTER COLUMN event TYPE json USING event::json;
