-- Version 6: durable delivery cursors (issue #17, docs/audit-delivery.md).
--
-- One row per (sink, partition): how far the delivery loop has handed that partition's sealed
-- events to that sink and had them acknowledged. delivered_seq is the last acknowledged seq
-- (0: nothing yet); it only ever grows (the loop's UPDATE says so), so a second instance that
-- briefly believes it leads can redeliver but never move a cursor back.
--
-- A row is parked (parked_at set) when the sink refused a batch in a way retrying cannot fix;
-- the loop skips it until an operator resumes it. Parked cursors still hold back retention.
--
-- Unlike the history tables this one is updated in place: a cursor is state, not history. It has
-- the same row-level security as the other audit tables: a tenant transaction sees its own
-- partition's cursors (a tenant's own stream), the delivery loop, retention and operator tools
-- work on the explicit platform path (app.platform = 'on'), like the sequencer.

CREATE TABLE audit_delivery_cursors (
    sink          text        NOT NULL CHECK (sink ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
    tenant_id     text        NOT NULL,
    delivered_seq bigint      NOT NULL DEFAULT 0 CHECK (delivered_seq >= 0),
    delivered_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    parked_at     timestamptz,
    parked_reason text,
    PRIMARY KEY (sink, tenant_id),
    CHECK ((parked_at IS NULL) = (parked_reason IS NULL))
);
CREATE INDEX audit_delivery_cursors_by_partition ON audit_delivery_cursors (tenant_id);

ALTER TABLE audit_delivery_cursors ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_delivery_cursors FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON audit_delivery_cursors
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
CREATE POLICY platform_rows ON audit_delivery_cursors
    USING ((SELECT current_setting('app.platform', true)) = 'on')
    WITH CHECK ((SELECT current_setting('app.platform', true)) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON audit_delivery_cursors TO ${runtime_role};
