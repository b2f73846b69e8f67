-- Version 2: audit_pending loses its foreign key to audit_events.
--
-- The key's check locked every referenced event row (SELECT ... FOR KEY SHARE: a WAL record and
-- a dirtied heap page per event) inside the group commit that had just inserted that very row,
-- and the group-commit writer spent most of its time there under load. Nothing needs the check:
-- PostgresAuditSink inserts the event and its queue row in one transaction, and the runtime role
-- cannot delete events. The sequencer joins the queue to the events, so a queue row without its
-- event (which only an owner editing the tables by hand could make) would be removed unsealed,
-- and the verifier reports any such tampering as a gap in the chain as before.
ALTER TABLE audit_pending DROP CONSTRAINT audit_pending_tenant_id_event_id_fkey;
