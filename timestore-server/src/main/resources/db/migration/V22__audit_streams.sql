-- Tenants' own audit streams (issue #17, docs/audit-delivery.md "Tenant streams"): webhook endpoints a
-- tenant admin registers to receive its own tenant's sealed audit events. The signing secret is
-- stored encrypted with AES-GCM under a key derived from the master key ("audit-stream-encryption"),
-- bound to its row (tenant and id), like signing_keys.secret.
--
-- Management runs in the tenant's own transaction. The delivery side lists the enabled streams of
-- every tenant on the explicit platform path (app.platform = 'on'), read-only.
CREATE TABLE audit_streams (
    tenant_id   text        NOT NULL REFERENCES tenants (id),
    id          text        PRIMARY KEY CHECK (id ~ '^as_[0-9a-f]{24}$'),
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    url         text        NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
    format      text        NOT NULL CHECK (format IN ('timestore', 'ocsf')),
    cloudevents boolean     NOT NULL,
    secret      bytea       NOT NULL,
    paused_at   timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL
);
CREATE INDEX audit_streams_by_tenant ON audit_streams (tenant_id, created_at, id);

ALTER TABLE audit_streams ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_streams FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_rows ON audit_streams
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
CREATE POLICY platform_reads ON audit_streams FOR SELECT
    USING ((SELECT current_setting('app.platform', true)) = 'on');

GRANT SELECT, INSERT, UPDATE, DELETE ON audit_streams TO ${runtime_role};
