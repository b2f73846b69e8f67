-- The audit trail (DESIGN.md §7, G3-G6).
--
-- audit_events holds each event exactly once: the primary key (tenant_id, event_id) makes a
-- retried request, whose event id is derived from its Idempotency-Key, a no-op (G5). The
-- `event` column is the event as its public JSON, the source of truth that is hashed; the other
-- columns are copies for filtering and indexes.
--
-- Sealing never updates an event: the sequencer appends a row to audit_seals (seq, prev_hash,
-- hash) and removes the event's entry from audit_pending, the sequencer's work queue. So the
-- history tables are append-only: the runtime role may INSERT and SELECT, a trigger refuses
-- UPDATE for everyone, and DELETE is granted to nobody but the retention path (a later
-- migration).
--
-- Row-level security: a tenant transaction sees and writes its own tenant's rows; platform
-- transactions (app.platform = 'on') are the one explicit cross-tenant path, used for events
-- without a resolved tenant (partition '_platform'), by the sequencer and by operators.

CREATE TABLE audit_events (
    tenant_id     text        NOT NULL CHECK (tenant_id = '_platform' OR tenant_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    event_id      uuid        NOT NULL,
    occurred_at   timestamptz NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    request_id    text        NOT NULL,
    actor_id      text,
    auth_method   text        NOT NULL,
    action        text        NOT NULL,
    component     text        NOT NULL,
    resource_type text,
    resource_id   text,
    dataset_id    text,
    result        text        NOT NULL CHECK (result IN ('succeeded', 'failed', 'denied')),
    status        integer     NOT NULL CHECK (status BETWEEN 100 AND 599),
    severity      text        NOT NULL CHECK (severity IN ('info', 'warn', 'error', 'security')),
    event         jsonb       NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);

CREATE INDEX audit_events_by_time ON audit_events (tenant_id, occurred_at DESC, event_id DESC);
CREATE INDEX audit_events_by_actor ON audit_events (tenant_id, actor_id, occurred_at DESC, event_id DESC);
CREATE INDEX audit_events_by_component ON audit_events (tenant_id, component, occurred_at DESC, event_id DESC);
CREATE INDEX audit_events_by_request ON audit_events (tenant_id, request_id);
CREATE INDEX audit_events_by_resource ON audit_events (tenant_id, resource_id, occurred_at DESC) WHERE resource_id IS NOT NULL;

CREATE TABLE audit_pending (
    tenant_id   text        NOT NULL,
    event_id    uuid        NOT NULL,
    arrival     bigint      GENERATED ALWAYS AS IDENTITY,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, event_id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES audit_events (tenant_id, event_id)
);
CREATE INDEX audit_pending_by_arrival ON audit_pending (tenant_id, arrival);

CREATE TABLE audit_seals (
    tenant_id  text        NOT NULL,
    seq        bigint      NOT NULL CHECK (seq >= 1),
    event_id   uuid        NOT NULL,
    prev_hash  bytea       NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash       bytea       NOT NULL CHECK (octet_length(hash) = 32),
    sealed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, seq),
    UNIQUE (tenant_id, event_id)
    -- No foreign key to audit_events: its check locks every referenced event row (FOR KEY SHARE,
    -- a WAL record and a dirtied page per event), which halved sealing throughput. The sequencer
    -- seals only events it read in the same transaction, and verification reports a seal whose
    -- event is missing (malformed_event).
);

CREATE TABLE audit_checkpoints (
    tenant_id  text        NOT NULL,
    seq        bigint      NOT NULL CHECK (seq >= 0),
    hash       bytea       NOT NULL CHECK (octet_length(hash) = 32),
    signed_at  timestamptz NOT NULL,
    key_id     text        NOT NULL,
    signature  text        NOT NULL,
    kind       text        NOT NULL DEFAULT 'periodic' CHECK (kind IN ('periodic', 'purge_anchor')),
    -- kind is part of the key: a purge boundary usually falls on a periodic checkpoint's seq.
    PRIMARY KEY (tenant_id, seq, key_id, kind)
);

-- Public halves of the checkpoint signing keys. Not tenant data: anyone may verify.
CREATE TABLE audit_signing_keys (
    key_id     text        PRIMARY KEY,
    algorithm  text        NOT NULL CHECK (algorithm = 'Ed25519'),
    public_key text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION audit_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit history is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_update();
CREATE TRIGGER audit_seals_append_only BEFORE UPDATE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_update();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_update();

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_pending FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_seals ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_seals FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_rows ON audit_events
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY platform_rows ON audit_events
    USING (current_setting('app.platform', true) = 'on')
    WITH CHECK (current_setting('app.platform', true) = 'on');

CREATE POLICY tenant_rows ON audit_pending
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY platform_rows ON audit_pending
    USING (current_setting('app.platform', true) = 'on')
    WITH CHECK (current_setting('app.platform', true) = 'on');

CREATE POLICY tenant_rows ON audit_seals
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY platform_rows ON audit_seals
    USING (current_setting('app.platform', true) = 'on')
    WITH CHECK (current_setting('app.platform', true) = 'on');

CREATE POLICY tenant_rows ON audit_checkpoints
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY platform_rows ON audit_checkpoints
    USING (current_setting('app.platform', true) = 'on')
    WITH CHECK (current_setting('app.platform', true) = 'on');

GRANT SELECT, INSERT ON audit_events TO ${runtime_role};
GRANT SELECT, INSERT, DELETE ON audit_pending TO ${runtime_role};
GRANT SELECT, INSERT ON audit_seals TO ${runtime_role};
GRANT SELECT, INSERT ON audit_checkpoints TO ${runtime_role};
GRANT SELECT, INSERT ON audit_signing_keys TO ${runtime_role};
